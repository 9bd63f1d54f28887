package fleet

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gitlabkit/integrations"
)

// ErrNotPropagated is returned (wrapped) by WaitPropagated when some
// descendants did not show their group's settings before the timeout.
var ErrNotPropagated = errors.New("not propagated in time")

// WaitOptions bounds WaitPropagated.
type WaitOptions struct {
	// Timeout is how long to wait in all (default 5 minutes).
	Timeout time.Duration
	// Interval is the pause between two reads of what is still pending
	// (default 2 seconds).
	Interval time.Duration
	// Concurrency is how many scopes are read at once (default 8).
	Concurrency int
	// Progress, when set, is called after each round of reads, with
	// Phase "wait", Done the descendants that show their group's settings
	// and Total all those waited for.
	Progress func(Event)
}

// WaitReport is what WaitPropagated saw.
type WaitReport struct {
	// Waited counts the descendants waited for: those below the groups
	// that did not turn out to have settings of their own.
	Waited int `json:"waited"`
	// Propagated counts those that showed their group's settings.
	Propagated int `json:"propagated"`
	// Own counts those found to have settings of their own meanwhile
	// (someone set them): they will not show the group's.
	Own int `json:"own"`
	// Pending are those that did not, in time, sorted by scope.
	Pending []PendingPropagation `json:"pending"`
}

// PendingPropagation is one descendant that did not show its group's
// settings in time.
type PendingPropagation struct {
	Scope       integrations.Scope `json:"scope"`
	Integration string             `json:"integration"`
	// Group is the group whose settings it should show ("group:acme").
	Group string `json:"group"`
	// Reason says what it showed instead.
	Reason string `json:"reason"`
}

// watch is one descendant waited for, and what it should show.
type watch struct {
	scope integrations.Scope
	d     *integrations.DynamicService
	group string
	want  *AuditEntry
	done  bool
	own   bool
	why   string
}

// WaitPropagated waits until the projects and subgroups below the groups
// whose integrations res changed show their group's settings: GitLab copies
// a group's integration to its descendants in background workers, some
// time after the group's change is answered. For each group integration
// applied, it reads the group's settings, lists the group's subgroups and
// projects, and reads them again and again (every Interval, Concurrency at
// a time) until each shows, inheriting, the group's active flag, event
// flags and non-secret properties; those with settings of their own, and
// those below a subgroup with settings of its own (which GitLab's copy
// from the group does not reach), are not waited for. It stops at Timeout
// and then returns the report with ErrNotPropagated; a read that fails
// for another reason than a 404 is an error.
//
// A group named by numeric ID is not waited for: its descendants are found
// by path.
func WaitPropagated(ctx context.Context, c *integrations.Client, res *ApplyResult, opts WaitOptions) (*WaitReport, error) {
	if c == nil {
		return nil, fmt.Errorf("fleet: WaitPropagated: %w: nil client", integrations.ErrValidation)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Minute
	}
	if opts.Interval <= 0 {
		opts.Interval = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	rep := &WaitReport{Pending: []PendingPropagation{}}
	if res == nil {
		return rep, nil
	}
	var watches []*watch
	seen := map[string]bool{}
	for _, r := range res.Results {
		if r.Status != StatusApplied || !r.Scope.IsGroup() {
			continue
		}
		_, path, _ := strings.Cut(scopeText(r.Scope), ":")
		if isNumeric(path) || seen[strings.ToLower(path)+"\x00"+r.Integration] {
			continue
		}
		seen[strings.ToLower(path)+"\x00"+r.Integration] = true
		ws, err := descendantsToWatch(ctx, c, path, r.Integration, opts.Concurrency)
		if err != nil {
			return nil, err
		}
		watches = append(watches, ws...)
	}
	for {
		var mu sync.Mutex
		var errs []error
		forEach(ctx, len(watches), opts.Concurrency, func(i int) {
			w := watches[i]
			if w.done {
				return
			}
			if err := w.check(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
		done, own := 0, 0
		for _, w := range watches {
			if w.done {
				done++
			}
			if w.own {
				own++
			}
		}
		rep.Waited, rep.Propagated, rep.Own = len(watches)-own, done-own, own
		if opts.Progress != nil {
			opts.Progress(Event{Phase: "wait", Done: rep.Propagated, Total: rep.Waited})
		}
		if err := errors.Join(errs...); err != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("fleet: wait for propagation: %w", err)
		}
		if done == len(watches) {
			return rep, nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(opts.Interval):
			continue
		}
		break
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil, fmt.Errorf("fleet: wait for propagation: %w", ctx.Err())
	}
	for _, w := range watches {
		if !w.done {
			rep.Pending = append(rep.Pending, PendingPropagation{Scope: w.scope, Integration: w.d.Info().Slug, Group: w.group, Reason: w.why})
		}
	}
	sort.Slice(rep.Pending, func(i, j int) bool { return scopeText(rep.Pending[i].Scope) < scopeText(rep.Pending[j].Scope) })
	return rep, fmt.Errorf("fleet: %d of %d descendants did not show their group's settings within %s: %w",
		len(rep.Pending), rep.Waited, opts.Timeout, ErrNotPropagated)
}

// descendantsToWatch reads group's integration slug and lists what below
// it should come to show it.
func descendantsToWatch(ctx context.Context, c *integrations.Client, group, slug string, conc int) ([]*watch, error) {
	d, err := c.Integration(slug)
	if err != nil {
		return nil, fmt.Errorf("fleet: wait for propagation: %w", err)
	}
	st, err := d.Get(ctx, integrations.Group(group))
	if errors.Is(err, integrations.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: wait for propagation: read %s of group %s: %w", slug, group, err)
	}
	want := entryOf(integrations.Group(group), d.Info(), st)
	subgroups, err := treeGroups(ctx, c, group)
	if err != nil {
		return nil, err
	}
	subgroups = subgroups[1:]
	projects, err := clientLister(c)(ctx, group)
	if err != nil {
		return nil, err
	}
	// The subgroups with settings of their own: GitLab's copy from group
	// leaves them and what inherits from them alone.
	own := make([]bool, len(subgroups))
	errs := make([]error, len(subgroups))
	forEach(ctx, len(subgroups), conc, func(i int) {
		s, err := d.Get(ctx, integrations.Group(subgroups[i]))
		switch {
		case errors.Is(err, integrations.ErrNotFound):
		case err != nil:
			errs[i] = fmt.Errorf("fleet: wait for propagation: read %s of group %s: %w", slug, subgroups[i], err)
		default:
			own[i] = !s.Inherited
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var owners []string
	var out []*watch
	for i, g := range subgroups {
		if own[i] {
			owners = append(owners, strings.ToLower(g)+"/")
			continue
		}
		out = append(out, &watch{scope: integrations.Group(g), d: d, group: "group:" + group, want: &want})
	}
	for _, p := range projects {
		out = append(out, &watch{scope: integrations.Project(p), d: d, group: "group:" + group, want: &want})
	}
	kept := out[:0]
	for _, w := range out {
		_, path, _ := strings.Cut(scopeText(w.scope), ":")
		under := false
		for _, o := range owners {
			under = under || strings.HasPrefix(strings.ToLower(path)+"/", o)
		}
		if !under {
			kept = append(kept, w)
		}
	}
	return kept, nil
}

// check reads the descendant once: done when it inherits and shows the
// group's settings, or when it has settings of its own (it will never
// inherit them).
func (w *watch) check(ctx context.Context) error {
	st, err := w.d.Get(ctx, w.scope)
	if errors.Is(err, integrations.ErrNotFound) {
		w.why = "not set up yet"
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s of %s: %w", w.d.Info().Slug, scopeText(w.scope), err)
	}
	if !st.Inherited {
		w.done, w.own = true, true
		return nil
	}
	got := entryOf(w.scope, w.d.Info(), st)
	if diff := differences(got, *w.want); len(diff) > 0 {
		w.why = fmt.Sprintf("%s is %v, the group's %v", diff[0].Field, shownValue(diff[0].Own), shownValue(diff[0].Inherited))
		return nil
	}
	w.done = true
	return nil
}

// shownValue prints a reported value for a reason: null as "(none)".
func shownValue(v any) any {
	if v == nil {
		return "(none)"
	}
	return v
}
