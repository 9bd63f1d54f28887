package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gitlabkit/integrations"
	redactpkg "github.com/gitlabkit/integrations/internal/redact"
)

// ErrStale matches Apply's refusal of a saved plan some of whose
// integrations changed on GitLab since the plan was made.
var ErrStale = errors.New("changed on GitLab since the plan was made")

// ErrStopped matches the error of an Apply that ApplyOptions.Stop ended
// before every change was started.
var ErrStopped = errors.New("stopped before every change was started")

// ApplyOptions changes how Apply works.
type ApplyOptions struct {
	// Concurrency is how many changes are sent at once (default 8). All
	// requests share the client's rate limiter.
	Concurrency int
	// Progress, when set, is called after each change (one call at a time).
	Progress func(Event)
	// Finished, when set, is called with each change's result as soon as
	// the change is applied or failed, in the order they finish, one call
	// at a time: for output that follows a long apply as it goes. Changes
	// that are never started are not reported to it.
	Finished func(TargetResult)
	// Stop, when set, asks Apply to start no new change once it is closed:
	// the changes in flight finish (within the client's request bound),
	// the others are reported StatusNotStarted, the state file is recorded,
	// and Apply returns an error matching ErrStopped. Cancelling ctx
	// instead cancels the requests in flight too.
	Stop <-chan struct{}
	// StateFile, when set, records the keyed fingerprint of every secret
	// sent (never the value), for later plans to notice a changed secret.
	StateFile string
	// LookupEnv resolves ${env:NAME} (default os.LookupEnv).
	LookupEnv func(string) (string, bool)
}

// Status is what became of one change of an Apply.
type Status string

// The statuses of a change. They marshal as these strings in JSON and YAML.
const (
	// StatusApplied: GitLab took the change (for a Set, its answer shows
	// every value sent that it reports).
	StatusApplied Status = "applied"
	// StatusFailed: the change was tried and GitLab does not show it; the
	// error says why, and whether it may have been applied all the same.
	StatusFailed Status = "failed"
	// StatusNotStarted: nothing was sent for the change, because Apply was
	// stopped or ctx ended first.
	StatusNotStarted Status = "not started"
)

// ApplyResult lists what happened to each change of the plan that was to
// be made.
type ApplyResult struct {
	// Results holds one entry per change of the plan other than no-ops, in
	// the plan's order, each with its Status, whether or not Apply got to
	// it.
	Results []TargetResult `json:"results"`
}

// TargetResult is the outcome of one change.
type TargetResult struct {
	// Scope, Integration and Action name the change.
	Scope       integrations.Scope `json:"scope"`
	Integration string             `json:"integration"`
	Action      Action             `json:"action"`
	// Where is the change's place in the spec (Change.Where): "file:line".
	Where string `json:"where,omitempty"`
	// Status says whether the change was applied, failed or not started.
	Status Status `json:"status"`
	// Err is the failure, nil unless Status is StatusFailed; Error is its
	// text.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

// failed reports whether the result counts as a failure; a result built
// without a Status counts by its error.
func (t *TargetResult) failed() bool {
	return t.Status == StatusFailed || (t.Status == "" && (t.Err != nil || t.Error != ""))
}

// Failed counts the changes that failed.
func (r *ApplyResult) Failed() int {
	n := 0
	for i := range r.Results {
		if r.Results[i].failed() {
			n++
		}
	}
	return n
}

// Applied counts the changes that were applied.
func (r *ApplyResult) Applied() int { return r.count(StatusApplied) }

// NotStarted counts the changes Apply did not get to.
func (r *ApplyResult) NotStarted() int { return r.count(StatusNotStarted) }

func (r *ApplyResult) count(s Status) int {
	n := 0
	for _, t := range r.Results {
		if t.Status == s {
			n++
		}
	}
	return n
}

// Apply makes the plan's changes, and only those: for each change it sends
// the plan's Send values (references resolved now) with a Set, or a Delete
// to disable. Changes go concurrently under the client's limiter, the
// groups' before the projects' (shallower groups first, each depth done
// before the next starts), so that what a project or subgroup inherits is
// there when it asks for it; a failed change does not stop the others, and the result lists each one with its
// Status. A plan read by ReadPlan is checked whole first: when any change's
// integration moved since the plan was made (or was created since), Apply
// sends nothing and returns an error matching ErrStale. Before any change,
// every reference the changes send is resolved; when one cannot be, Apply
// sends nothing and returns a *SpecError listing each with its spec line.
//
// After each Set, Apply compares GitLab's answer with what it sent (the
// non-secret values GitLab reports, compared as the plan compares them,
// and active): a change GitLab did not take fails, naming the field. When
// GitLab answers 5xx or the connection is lost once the request may have
// reached it, Apply reads the integration again: the change is applied if
// GitLab shows what was sent, and failed, "may have been applied",
// otherwise.
//
// The error is nil when every change was tried, even if some failed (see
// ApplyResult.Failed). It is not nil when the state file cannot be read or
// written, when Stop ended Apply early (ErrStopped), or when ctx ended
// (ctx.Err()); the result is complete in those cases too, and the state
// file records what was applied.
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
	if state != nil {
		state.forgetChanges(c.BaseURL(), todo)
	}
	out := &ApplyResult{Results: make([]TargetResult, len(todo))}
	for i, ch := range todo {
		out.Results[i] = TargetResult{Scope: ch.Scope, Integration: ch.Integration, Action: ch.Action, Where: ch.Where, Status: StatusNotStarted}
	}
	var mu sync.Mutex
	done := 0
	applyAt := func(i int) {
		ch := todo[i]
		status, err := applyOne(ctx, c, ch, res, state)
		r := &out.Results[i]
		r.Status, r.Err = status, err
		if err != nil {
			r.Error = err.Error()
		}
		mu.Lock()
		defer mu.Unlock()
		done++
		if opts.Progress != nil {
			opts.Progress(Event{Phase: "apply", Done: done, Total: len(todo), Scope: ch.Scope, Integration: ch.Integration, Err: err})
		}
		if opts.Finished != nil {
			opts.Finished(*r)
		}
	}
	// Groups first, so that what their projects inherit is there.
	started := 0
	for _, wave := range waves(todo) {
		started += forEachUntil(ctx, opts.Stop, len(wave), opts.Concurrency, func(j int) { applyAt(wave[j]) })
	}
	// Record what was sent even when Apply ended part way.
	if state != nil {
		if err := state.save(opts.StateFile); err != nil {
			return out, err
		}
	}
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("fleet: apply: %w", err)
	}
	if started < len(todo) {
		return out, fmt.Errorf("fleet: apply: %w: %d of %d changes not started", ErrStopped, len(todo)-started, len(todo))
	}
	return out, nil
}

// forEachUntil calls fn for 0..n-1 from conc goroutines, and starts no
// call once stop is closed or ctx has ended; the calls under way finish.
// It returns how many calls it started.
func forEachUntil(ctx context.Context, stop <-chan struct{}, n, conc int, fn func(i int)) int {
	if conc <= 0 {
		conc = 8
	}
	conc = min(conc, n)
	halted := func() bool {
		select {
		case <-stop: // a nil stop is never ready
			return true
		case <-ctx.Done():
			return true
		default:
			return false
		}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	started := 0
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				// Checked again here: select below may pick a ready
				// worker over a stop that came at the same moment.
				if halted() {
					continue
				}
				mu.Lock()
				started++
				mu.Unlock()
				fn(i)
			}
		}()
	}
feed:
	for i := 0; i < n && !halted(); i++ {
		select {
		case next <- i:
		case <-stop:
			break feed
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return started
}

// applyOne makes one change and says what became of it.
func applyOne(ctx context.Context, c *integrations.Client, ch *Change, res *resolver, state *stateFile) (Status, error) {
	where := ch.scopeText() + ": " + ch.Integration
	if ch.Where != "" {
		where = ch.Where + ": " + where
	}
	d, err := c.Integration(ch.Integration)
	if err != nil {
		return StatusFailed, fmt.Errorf("%s: %w", where, err)
	}
	if ch.Action == Disable {
		err := d.Delete(ctx, ch.Scope)
		if err != nil && mayHaveReached(err) {
			err = confirmDisabled(ctx, d, ch, err)
		}
		if err != nil {
			return StatusFailed, fmt.Errorf("%s: disable: %w", where, err)
		}
		if state != nil {
			state.record(ch.scopeText(), ch.Integration, nil)
		}
		return StatusApplied, nil
	}
	info, ok := lookupInfo(ch.Integration)
	if !ok {
		info = d.Info()
	}
	values := integrations.Values{}
	secrets := map[string]string{}
	for name, v := range ch.Send {
		rv, err := res.value(v)
		if err != nil {
			return StatusFailed, fmt.Errorf("%s: %s: %w", where, name, err)
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
			return StatusFailed, fmt.Errorf("%s: %s: %w: a secret written as a plain value is not kept in a saved plan; write it as ${env:NAME} or ${file:PATH}", where, name, errReference)
		}
		values[name] = s
		secrets[name] = s
	}
	st, err := d.Set(ctx, ch.Scope, values)
	if err != nil && mayHaveReached(err) {
		st, err = reread(ctx, d, ch, values, err)
	}
	if err != nil {
		return StatusFailed, redact(fmt.Errorf("%s: %s: %w", where, ch.Action, err), secrets)
	}
	// GitLab took the request: it holds the secrets sent, whatever it did
	// with the rest.
	if state != nil {
		if ch.Action == InheritAction {
			state.record(ch.scopeText(), ch.Integration, nil)
		} else if len(secrets) > 0 {
			state.record(ch.scopeText(), ch.Integration, secrets)
		}
	}
	if err := notTaken(info, ch.Action, values, st); err != nil {
		return StatusFailed, redact(fmt.Errorf("%s: %s: %w", where, ch.Action, err), secrets)
	}
	return StatusApplied, nil
}

// redact wraps err so that its text never holds one of the secrets just
// sent, in case GitLab's answer (or anything between) quoted one.
func redact(err error, secrets map[string]string) error {
	values := make([]string, 0, len(secrets))
	for _, v := range secrets {
		values = append(values, v)
	}
	return redactpkg.Secrets(err, values)
}
