package fleet

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/gitlabkit/integrations"
)

// ErrStale matches Apply's refusal of a saved plan some of whose
// integrations changed on GitLab since the plan was made.
var ErrStale = errors.New("changed on GitLab since the plan was made")

// ApplyOptions changes how Apply works.
type ApplyOptions struct {
	// Concurrency is how many changes are sent at once (default 8). All
	// requests share the client's rate limiter.
	Concurrency int
	// Progress, when set, is called after each change (one call at a time).
	Progress func(Event)
	// StateFile, when set, records the keyed fingerprint of every secret
	// sent (never the value), for later plans to notice a changed secret.
	StateFile string
	// LookupEnv resolves ${env:NAME} (default os.LookupEnv).
	LookupEnv func(string) (string, bool)
}

// ApplyResult lists what happened to each change Apply made or tried.
type ApplyResult struct {
	// Results holds one entry per change tried, in the plan's order.
	Results []TargetResult `json:"results"`
}

// TargetResult is the outcome of one change.
type TargetResult struct {
	// Scope, Integration and Action name the change.
	Scope       integrations.Scope `json:"scope"`
	Integration string             `json:"integration"`
	Action      Action             `json:"action"`
	// Err is the failure, nil on success; Error is its text.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

// Failed counts the changes that failed.
func (r *ApplyResult) Failed() int {
	n := 0
	for _, t := range r.Results {
		if t.Err != nil || t.Error != "" {
			n++
		}
	}
	return n
}

// Apply makes the plan's changes, and only those: for each change it sends
// the plan's Send values (references resolved now) with a Set, or a Delete
// to disable. Changes go concurrently under the client's limiter; a failed
// change does not stop the others, and the result lists each one. A plan
// read by ReadPlan is checked whole first: when any change's integration
// moved since the plan was made (or was created since), Apply sends
// nothing and returns an error matching ErrStale. Before any change, every
// reference the changes send is resolved; when one cannot be, Apply sends
// nothing and returns a *SpecError listing each with its spec line.
//
// The error is nil when every change was tried, even if some failed (see
// ApplyResult.Failed); it is not nil when the state file cannot be read or
// written, or ctx ends.
func Apply(ctx context.Context, c *integrations.Client, p *Plan, opts ApplyOptions) (*ApplyResult, error) {
	if c == nil || p == nil {
		return nil, fmt.Errorf("fleet: Apply: %w: nil client or plan", integrations.ErrValidation)
	}
	var state *stateFile
	if opts.StateFile != "" {
		var err error
		if state, err = loadState(opts.StateFile); err != nil {
			return nil, err
		}
	}
	var todo []*Change
	for i := range p.Changes {
		if p.Changes[i].Action != NoOp {
			todo = append(todo, &p.Changes[i])
		}
	}
	res := newResolver(opts.LookupEnv)
	if err := preflight(ctx, c, todo, p.saved, res, opts.Concurrency); err != nil {
		return nil, err
	}
	out := &ApplyResult{Results: make([]TargetResult, len(todo))}
	var mu sync.Mutex
	done := 0
	forEach(ctx, len(todo), opts.Concurrency, func(i int) {
		ch := todo[i]
		err := applyOne(ctx, c, ch, res, state)
		r := TargetResult{Scope: ch.Scope, Integration: ch.Integration, Action: ch.Action, Err: err}
		if err != nil {
			r.Error = err.Error()
		}
		out.Results[i] = r
		if opts.Progress != nil {
			mu.Lock()
			done++
			opts.Progress(Event{Phase: "apply", Done: done, Total: len(todo), Scope: ch.Scope, Integration: ch.Integration, Err: err})
			mu.Unlock()
		}
	})
	// Record what was sent even when ctx ended part way.
	if state != nil {
		if err := state.save(opts.StateFile); err != nil {
			return out, err
		}
	}
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("fleet: apply: %w", err)
	}
	return out, nil
}

// applyOne makes one change.
func applyOne(ctx context.Context, c *integrations.Client, ch *Change, res *resolver, state *stateFile) error {
	where := ch.scopeText() + ": " + ch.Integration
	d, err := c.Integration(ch.Integration)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if ch.Action == Disable {
		if err := d.Delete(ctx, ch.Scope); err != nil {
			return fmt.Errorf("%s: disable: %w", where, err)
		}
		if state != nil {
			state.record(ch.scopeText(), ch.Integration, nil)
		}
		return nil
	}
	info := d.Info()
	values := integrations.Values{}
	secrets := map[string]string{}
	for name, v := range ch.Send {
		rv, err := res.value(v)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", where, name, err)
		}
		values[name] = rv
		if p, _ := info.Parameter(name); p.Secret && ch.Action != InheritAction {
			s, _ := rv.(string)
			secrets[name] = s
		}
	}
	for _, name := range ch.Withheld {
		var s string
		ok := false
		if ch.literals != nil {
			s, ok = ch.literals.values[name]
		}
		if !ok {
			return fmt.Errorf("%s: %s: %w: a secret written as a plain value is not kept in a saved plan; write it as ${env:NAME} or ${file:PATH}", where, name, errReference)
		}
		values[name] = s
		secrets[name] = s
	}
	if _, err := d.Set(ctx, ch.Scope, values); err != nil {
		return redact(fmt.Errorf("%s: %s: %w", where, ch.Action, err), secrets)
	}
	if state != nil {
		if ch.Action == InheritAction {
			state.record(ch.scopeText(), ch.Integration, nil)
		} else if len(secrets) > 0 {
			state.record(ch.scopeText(), ch.Integration, secrets)
		}
	}
	return nil
}

// redactedError hides the secrets just sent from an error's text, in case
// GitLab's answer (or anything between) quoted one. errors.Is and
// errors.As still see the error it wraps.
type redactedError struct {
	err     error
	secrets []string
}

// redact wraps err so that its text never holds one of the secrets.
func redact(err error, secrets map[string]string) error {
	var list []string
	for _, s := range secrets {
		if len(s) >= 4 {
			list = append(list, s)
		}
	}
	if len(list) == 0 {
		return err
	}
	// Longer first, so that a secret holding another is hidden whole.
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	return &redactedError{err: err, secrets: list}
}

func (e *redactedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		msg = strings.ReplaceAll(msg, s, secretShown)
	}
	return msg
}

func (e *redactedError) Unwrap() error { return e.err }
