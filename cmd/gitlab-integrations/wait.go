package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// exitNotPropagated is apply --wait's exit code when some descendants did
// not show their group's settings in time (beside the codes of root.go).
const exitNotPropagated = 4

// waitOptions are apply's flags for waiting on GitLab's propagation.
type waitOptions struct {
	on       bool
	timeout  time.Duration
	interval time.Duration
}

func (o *waitOptions) flags(f *pflag.FlagSet) {
	f.BoolVar(&o.on, "wait", false, "after changing group integrations, wait until what inherits them shows their settings")
	f.DurationVar(&o.timeout, "wait-timeout", 5*time.Minute, "how long --wait waits in all")
	f.DurationVar(&o.interval, "wait-interval", 2*time.Second, "how long --wait pauses between two reads of what is pending")
}

// waitAfterApply runs fleet.WaitPropagated with a progress bar and says
// which descendants did not show their group's settings (exit 4).
func waitAfterApply(cmd *cobra.Command, root *rootOptions, c *integrations.Client, res *fleet.ApplyResult, o *waitOptions) error {
	if o.timeout <= 0 || o.interval <= 0 {
		return errors.New("--wait-timeout and --wait-interval must be more than 0")
	}
	bar := root.newProgress()
	defer bar.finish()
	rep, err := fleet.WaitPropagated(cmd.Context(), c, res, fleet.WaitOptions{
		Timeout: o.timeout, Interval: o.interval,
		Progress: func(ev fleet.Event) { bar.update("wait", ev.Done, ev.Total) },
	})
	bar.finish()
	switch {
	case errors.Is(err, fleet.ErrNotPropagated):
		for _, p := range rep.Pending {
			root.notef("not propagated: %s %s (from %s): %s", scopeText(p.Scope), p.Integration, p.Group, oneLine(forPeople(p.Reason)))
		}
		return &codeError{code: exitNotPropagated, err: fmt.Errorf("%d of %d descendants did not show their group's settings within %s; run apply --wait again or audit them later",
			len(rep.Pending), rep.Waited, o.timeout)}
	case err != nil:
		return err
	}
	root.notef("Propagated to %d descendants (%d with settings of their own left alone).", rep.Propagated, rep.Own)
	return nil
}
