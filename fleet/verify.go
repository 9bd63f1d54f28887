package fleet

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gitlabkit/integrations"
)

// ErrNotTaken matches the error of a change GitLab answered with success
// but whose answer does not show a value that was sent (or shows the
// integration inactive): GitLab kept something else.
var ErrNotTaken = errors.New("GitLab did not take the change")

// ErrMayHaveBeenApplied matches the error of a change whose request may
// have reached GitLab although it failed (a 5xx answer, a connection lost
// after sending, a request cancelled in flight), and that reading the
// integration again could not confirm: plan again to see what GitLab has.
var ErrMayHaveBeenApplied = errors.New("may have been applied")

// notTakenError lists what GitLab's answer to a Set shows otherwise than
// sent, one entry a field.
type notTakenError struct{ problems []string }

func (e *notTakenError) Error() string { return strings.Join(e.problems, "; ") }

// Is makes errors.Is(err, ErrNotTaken) true.
func (e *notTakenError) Is(target error) bool { return target == ErrNotTaken }

// notTaken compares GitLab's answer to a Set with the values sent, with the
// plan's rules (lists as sets, comma lists, null as empty; secrets,
// ignored parameters and values GitLab does not report are not compared),
// and returns an error naming every field GitLab kept otherwise.
func notTaken(info integrations.IntegrationInfo, action Action, sent integrations.Values, st *integrations.Settings[integrations.Values]) error {
	if st == nil {
		return nil
	}
	var problems []string
	if !st.Active {
		problems = append(problems, "GitLab reports the integration inactive after the change")
	}
	if action != InheritAction {
		// With use_inherited_settings, GitLab takes the group's values;
		// the placeholders sent for required parameters are not kept.
		names := make([]string, 0, len(sent))
		for name := range sent {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p, ok := info.Parameter(name)
			if !ok || p.Secret || p.Ignored {
				continue
			}
			cur, ok := reported(p, st)
			if !ok {
				continue
			}
			if !equalValues(p, cur, sent[name]) {
				problems = append(problems, fmt.Sprintf("GitLab kept %s %s where %s was sent", name, showValue(cur), showValue(sent[name])))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &notTakenError{problems: problems}
}

// mayHaveReached reports whether a failed request may have changed
// GitLab all the same: a 5xx answer (GitLab may fail after saving), or no
// answer at all once the request could have been sent. A 4xx answer and
// an error found before sending (ErrValidation) mean nothing changed.
func mayHaveReached(err error) bool {
	if errors.Is(err, integrations.ErrValidation) {
		return false
	}
	var ge *integrations.Error
	if errors.As(err, &ge) {
		return ge.StatusCode >= 500
	}
	return true
}

// reread reads the integration again after a Set that failed in a way that
// may have changed it: the Settings when GitLab shows what was sent, else
// an error matching both sendErr and ErrMayHaveBeenApplied.
func reread(ctx context.Context, d *integrations.DynamicService, ch *Change, values integrations.Values, sendErr error) (*integrations.Settings[integrations.Values], error) {
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%w; it %w: the request was in flight when apply was cancelled; run plan to see what GitLab has", sendErr, ErrMayHaveBeenApplied)
	}
	st, err := d.Get(ctx, ch.Scope)
	if errors.Is(err, integrations.ErrIntegrationNotFound) {
		return nil, fmt.Errorf("%w; reading it again shows it was not set up", sendErr)
	}
	if err != nil {
		return nil, fmt.Errorf("%w; it %w: reading it again failed (%v); run plan to see what GitLab has", sendErr, ErrMayHaveBeenApplied, err)
	}
	if err := notTaken(d.Info(), ch.Action, values, st); err != nil {
		return nil, fmt.Errorf("%w; it %w in part: reading it again, %v", sendErr, ErrMayHaveBeenApplied, err)
	}
	return st, nil
}

// confirmDisabled reads the integration again after a Delete that failed in
// a way that may have disabled it: nil when GitLab shows it inactive, else
// an error matching both delErr and ErrMayHaveBeenApplied.
func confirmDisabled(ctx context.Context, d *integrations.DynamicService, ch *Change, delErr error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w; it %w: the request was in flight when apply was cancelled; run plan to see what GitLab has", delErr, ErrMayHaveBeenApplied)
	}
	st, err := d.Get(ctx, ch.Scope)
	switch {
	case errors.Is(err, integrations.ErrIntegrationNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("%w; it %w: reading it again failed (%v); run plan to see what GitLab has", delErr, ErrMayHaveBeenApplied, err)
	case !st.Active:
		return nil
	}
	return fmt.Errorf("%w; reading it again, GitLab still shows it active", delErr)
}
