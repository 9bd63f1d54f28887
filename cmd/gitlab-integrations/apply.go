package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/internal/readfile"
)

// applyOptions are the flags of apply.
type applyOptions struct {
	spec        string
	yes         bool
	concurrency int
	stateFile   string
	wait        waitOptions // wait.go
}

func newApplyCmd(root *rootOptions) *cobra.Command {
	var opts applyOptions
	cmd := &cobra.Command{
		Use:   "apply -f SPEC --yes | apply PLANFILE --yes",
		Short: "Make GitLab match a spec, or carry out a saved plan",
		Long: `apply plans the spec (or reads a plan saved by plan --out) and carries out its
changes, reading ${env:NAME} and ${file:PATH} references for secrets. A saved
plan is refused for a change whose integration was updated since the plan.

Without --yes it prints the plan and asks on the terminal; when standard input
is not a terminal (CI) it refuses: review the plan, then give --yes.

Every change of the plan is reported with its status: applied, failed or
not started. --output jsonl writes one JSON object per change as it finishes
(the changes not started after them), then {"summary": {"applied": …,
"failed": …, "not_started": …, "total": …}}. When stderr is not a terminal
(CI), a line per finished change goes there too, unless --quiet.

After each change, apply checks that GitLab's answer shows what was sent; a
value GitLab kept otherwise fails the change, naming it. A change GitLab
answered 5xx (or whose answer was lost) is read again: applied if GitLab
shows it, else failed, "may have been applied".

SIGINT or SIGTERM (Ctrl+C) starts no new change and lets those in flight
finish, records the state file, reports every change and exits 130 or 143;
a second signal cancels the requests in flight at once.

--wait, after an apply that changed group-level integrations, reads the projects
and subgroups that inherit them until they show the group's settings (GitLab
copies them in the background), with progress, for at most --wait-timeout, and
names those that did not.

Exit code: 0 done (or nothing to do), 1 error (nothing sent), 3 some changes
failed, 4 applied but some descendants did not show their group's settings
within --wait-timeout (--wait), 130 and 143 interrupted by SIGINT and SIGTERM.`,
		Example: `  gitlab-integrations apply -f integrations.yaml
  gitlab-integrations plan -f integrations.yaml --out plan.json && gitlab-integrations apply plan.json --yes`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == (opts.spec != "") {
				return errors.New("apply takes a spec (-f SPEC) or a saved plan (PLANFILE), one of them")
			}
			return runApply(cmd, root, &opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.spec, "file", "f", "", "the spec (YAML)")
	f.BoolVarP(&opts.yes, "yes", "y", false, "apply without asking")
	f.IntVar(&opts.concurrency, "concurrency", 8, "changes sent at once")
	f.StringVar(&opts.stateFile, "state", "", "file of secret fingerprints to record, for later plans")
	opts.wait.flags(f)
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
	return cmd
}

// resultView is one change of an apply, as apply prints it.
type resultView struct {
	Scope       string `json:"scope" yaml:"scope"`
	Integration string `json:"integration" yaml:"integration"`
	Action      string `json:"action" yaml:"action"`
	// Where is the spec's file:line of the target that wants the change.
	Where string `json:"where,omitempty" yaml:"where,omitempty"`
	// Status is "applied", "failed" or "not started".
	Status string `json:"status" yaml:"status"`
	Error  string `json:"error,omitempty" yaml:"error,omitempty"`
}

// summaryView is the last object of --output jsonl.
type summaryView struct {
	Summary applySummary `json:"summary"`
}

// applySummary counts an apply's changes by status.
type applySummary struct {
	Applied    int `json:"applied"`
	Failed     int `json:"failed"`
	NotStarted int `json:"not_started"`
	Total      int `json:"total"`
	// Interrupted names the signal that stopped the apply.
	Interrupted string `json:"interrupted,omitempty"`
}

// viewOf is a result as apply prints it: the error for people, without
// the change's own names that the other fields already give.
func viewOf(r fleet.TargetResult) resultView {
	msg := r.Error
	if msg == "" && r.Err != nil {
		msg = r.Err.Error()
	}
	msg = strings.TrimPrefix(msg, r.Where+": ")
	msg = strings.TrimPrefix(msg, scopeText(r.Scope)+": "+r.Integration+": ")
	msg = strings.TrimPrefix(msg, string(r.Action)+": ")
	if msg != "" {
		msg = oneLine(forPeople(msg))
	}
	return resultView{Scope: scopeText(r.Scope), Integration: r.Integration, Action: string(r.Action), Where: r.Where, Status: string(r.Status), Error: msg}
}

// line is a result on one line of a log: "failed fleet.yaml:4
// project:acme/web slack (create): GitLab answered …".
func (v resultView) line() string {
	s := v.Status + " "
	if v.Where != "" {
		s += v.Where + " "
	}
	s += v.Scope + " " + v.Integration + " (" + v.Action + ")"
	if v.Error != "" {
		s += ": " + v.Error
	}
	return s
}

func runApply(cmd *cobra.Command, root *rootOptions, opts *applyOptions, args []string) error {
	format, err := root.format("table", append(dataFormats, "jsonl")...)
	if err != nil {
		return err
	}
	c, err := root.client()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	var p *fleet.Plan
	if len(args) == 1 {
		f, err := readfile.Open(args[0])
		if err != nil {
			return fmt.Errorf("reading the plan: %w", err)
		}
		p, err = fleet.ReadPlan(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("reading the plan %s: %w", args[0], err)
		}
	} else {
		spec, err := fleet.LoadSpec(opts.spec)
		if err != nil {
			return err
		}
		bar := root.newProgress()
		p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{
			Concurrency: opts.concurrency, Progress: bar.event, StateFile: opts.stateFile, LookupEnv: root.getenv,
		})
		bar.finish()
		if err != nil {
			return fmt.Errorf("planning %s: %w", opts.spec, err)
		}
	}
	if !p.HasChanges() {
		root.notef("No changes: GitLab matches the spec.")
		return nil
	}
	if !opts.yes {
		if err := askToApply(cmd, root, p); err != nil {
			return err
		}
	}
	return carryOut(cmd, root, opts, c, p, format)
}

// askToApply prints the plan and asks on the terminal whether to apply
// it: nil only when the answer is "yes". Without a terminal to ask on, it
// refuses: the caller gives --yes once the plan is reviewed.
func askToApply(cmd *cobra.Command, root *rootOptions, p *fleet.Plan) error {
	if err := writePlanText(cmd.OutOrStdout(), root, p); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	if !isTerminal(root.streams.in) {
		return errors.New("refusing to apply without --yes: standard input is not a terminal to ask on (review the plan, then run again with --yes)")
	}
	fmt.Fprint(root.streams.err, "Apply these changes? Only 'yes' applies them: ")
	answer, err := readLine(cmd.Context(), root.streams.in)
	if err != nil {
		return fmt.Errorf("apply cancelled: nothing changed: %w", err)
	}
	if strings.TrimSpace(answer) != "yes" {
		return errors.New("apply cancelled: nothing changed")
	}
	return nil
}

// carryOut applies the plan and reports every change: as each finishes
// (--output jsonl on stdout; one line on stderr when it is not a
// terminal), then all of them, then a summary. The first SIGINT or SIGTERM
// starts no new change, the second cancels those in flight.
func carryOut(cmd *cobra.Command, root *rootOptions, opts *applyOptions, c *integrations.Client, p *fleet.Plan, format string) error {
	out := cmd.OutOrStdout()
	ctx, stop := cmd.Context(), (<-chan struct{})(nil)
	if in := root.interrupt; in != nil {
		// The first signal ends cmd.Context(): apply sends with the
		// context only the second ends.
		ctx, stop = in.hard, in.stop
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	logLines := !root.quiet && !isTerminal(root.streams.err)
	total := p.Summary.Create + p.Summary.Update + p.Summary.Disable + p.Summary.Inherit
	finished := 0
	var writeErr error
	var errMu sync.Mutex // one line at a time on stderr
	bar := root.newProgress()
	// On the first signal, say what happens now; the note is out before
	// the report.
	applied, noted := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(noted)
		select {
		case <-stop: // a nil stop never is
		case <-applied:
			return
		}
		const msg = "Stopping: no new change starts; the changes in flight finish (a second Ctrl+C or SIGTERM cancels them)."
		if root.quiet {
			return
		}
		if bar != nil {
			bar.note(msg)
			return
		}
		errMu.Lock()
		defer errMu.Unlock()
		fmt.Fprintln(root.streams.err, msg)
	}()
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{
		Concurrency: opts.concurrency, Progress: bar.event, StateFile: opts.stateFile, LookupEnv: root.getenv,
		Stop: stop,
		Finished: func(r fleet.TargetResult) {
			finished++
			v := viewOf(r)
			if format == "jsonl" && writeErr == nil {
				writeErr = enc.Encode(v)
			}
			if logLines {
				errMu.Lock()
				fmt.Fprintf(root.streams.err, "%s [%d/%d]\n", v.line(), finished, total)
				errMu.Unlock()
			}
		},
	})
	close(applied)
	<-noted
	bar.finish()
	if res == nil {
		return fmt.Errorf("applying: %w", err)
	}
	sum := applySummary{Applied: res.Applied(), Failed: res.Failed(), NotStarted: res.NotStarted(), Total: len(res.Results)}
	sig := root.interrupt.signal()
	interrupted := sig != nil && (sum.NotStarted > 0 || errors.Is(err, context.Canceled))
	if interrupted {
		sum.Interrupted = signalName(sig)
	}

	views := make([]resultView, 0, len(res.Results))
	t := &table{header: []string{"SCOPE", "INTEGRATION", "ACTION", "STATUS", "ERROR"}}
	for _, r := range res.Results {
		v := viewOf(r)
		views = append(views, v)
		msg := v.Error
		if msg != "" && v.Where != "" {
			msg = v.Where + ": " + msg
		}
		t.add(v.Scope, v.Integration, v.Action, v.Status, msg)
		if format == "jsonl" && r.Status == fleet.StatusNotStarted && writeErr == nil {
			writeErr = enc.Encode(v)
		}
	}
	if format == "jsonl" {
		if writeErr == nil {
			writeErr = enc.Encode(summaryView{Summary: sum})
		}
		if writeErr != nil {
			return fmt.Errorf("writing the results: %w", writeErr)
		}
	} else if err := renderResults(out, root, format, views, t); err != nil {
		return err
	}

	maybe := 0
	for _, r := range res.Results {
		if r.Status == fleet.StatusFailed && errors.Is(r.Err, fleet.ErrMayHaveBeenApplied) {
			maybe++
		}
	}
	failedText := fmt.Sprintf("%d failed", sum.Failed)
	if maybe > 0 {
		failedText += fmt.Sprintf(" (%d may have been applied)", maybe)
	}
	switch {
	case interrupted:
		fmt.Fprintf(root.streams.err, "Interrupted: %d applied, %s, %d not started; run plan to see what is left\n", sum.Applied, failedText, sum.NotStarted)
		return &codeError{code: exitCode(sig)}
	case err != nil && !errors.Is(err, fleet.ErrStopped):
		// The changes were tried; what failed after them is the state file.
		return &codeError{code: exitPartial, err: fmt.Errorf("%d applied, %s; then: %w", sum.Applied, failedText, err)}
	case sum.Failed > 0:
		return &codeError{code: exitPartial, err: fmt.Errorf("%d of %d changes failed: %d applied, %s; run plan again to see what is left", sum.Failed, sum.Total, sum.Applied, failedText)}
	}
	root.notef("Applied %d changes.", sum.Applied)
	if opts.wait.on {
		return waitAfterApply(cmd, root, c, res, &opts.wait)
	}
	return nil
}

// readLine reads one line of in, or returns ctx's error when ctx ends
// first (a signal while apply asks).
func readLine(ctx context.Context, in io.Reader) (string, error) {
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(in).ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		return line, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
