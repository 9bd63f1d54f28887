package fleet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gitlabkit/integrations"
)

// PlanOptions changes how NewPlan reads and compares.
type PlanOptions struct {
	// Concurrency is how many scopes are read at once (default 8). All
	// requests share the client's rate limiter.
	Concurrency int
	// Progress, when set, is called after each scope is read (from
	// several goroutines, one call at a time).
	Progress func(Event)
	// StateFile, when set, is the state file Apply records secret
	// fingerprints in; with it, a secret whose reference now resolves to
	// another value plans as an update "(secret changed)".
	StateFile string
	// Refresh, with a StateFile, reads every integration again instead of
	// comparing those whose List entry is unchanged with what the state
	// file recorded of them (see NewPlan).
	Refresh bool
	// LookupEnv resolves ${env:NAME} (default os.LookupEnv).
	LookupEnv func(string) (string, bool)
}

// Plan is what would change to make GitLab match a spec: one Change per
// scope and integration the spec manages, no-ops included. It marshals to
// JSON (as json.Marshal writes it) without any secret value; ReadPlan
// reads it back for a later Apply.
type Plan struct {
	// Version is the plan format's version, 1.
	Version int `json:"version"`
	// Changes holds one entry per scope and integration, no-ops included,
	// ordered by scope and slug.
	Changes []Change `json:"changes"`
	// Summary counts the changes by action.
	Summary Summary `json:"summary"`
	// Unresolved lists the references the changes will send that could
	// not be resolved where the plan was made, such as a secret only the
	// apply job has. The plan holds all the same; Apply refuses to start
	// until every one resolves.
	Unresolved []Unresolved `json:"unresolved,omitempty"`

	saved bool // read by ReadPlan: Apply checks updated_at first
}

// Action is what a Change does.
type Action string

// The actions of a plan.
const (
	// Create sets up an integration that is not active.
	Create Action = "create"
	// Update changes an active integration's settings.
	Update Action = "update"
	// Disable turns an integration off (GitLab also resets its settings).
	Disable Action = "disable"
	// InheritAction makes an integration use the group's settings.
	InheritAction Action = "inherit"
	// NoOp changes nothing: GitLab already has what the spec wants.
	NoOp Action = "no-op"
)

// Change is what happens to one integration on one scope.
type Change struct {
	// Scope is where: marshals as "project:acme/web" or "group:acme".
	Scope integrations.Scope `json:"scope"`
	// Integration is the slug.
	Integration string `json:"integration"`
	// Action is what Apply will do.
	Action Action `json:"action"`
	// Fields lists each parameter that changes, with its old and new value.
	Fields []FieldChange `json:"fields,omitempty"`
	// Notes says what else people should know: overrides between targets,
	// values that cannot be verified, "(secret changed)".
	Notes []string `json:"notes,omitempty"`
	// UpdatedAt is the integration's updated_at as the plan saw it, zero
	// when it was not active. Apply of a saved plan refuses the change
	// when it moved.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Send is what Apply sends for the change, by parameter: values as the
	// spec wrote them, references unresolved. A secret written as a plain
	// value (not a reference) is never in it; see Withheld. The creates
	// of one target share one Send map and one Fields list: read them,
	// copy them to change them.
	Send map[string]any `json:"send,omitempty"`
	// Where is the spec's place ("fleet.yaml:12") of the entry that
	// decides this change: the last target that set the integration here.
	Where string `json:"where,omitempty"`
	// Withheld names the secrets written as plain values in the spec: they
	// are kept in memory only, so Apply of a saved plan cannot send them.
	Withheld []string `json:"withheld,omitempty"`

	text     string            // scope as printed
	sentFrom map[string]string // where the spec writes each value of Send
	literals *secretsBox       // withheld secrets' values, in memory only
}

// secretsBox holds secrets written as plain values. It sits behind a
// pointer so that fmt, printing a Change with %+v, shows an address and
// never the values.
type secretsBox struct{ values map[string]string }

// FieldChange is one parameter's old and new value.
type FieldChange struct {
	// Name is the parameter's API name.
	Name string `json:"name"`
	// From is what GitLab reports now: nil when not set, "(secret)" for a
	// secret, "(inherited)" when the group's settings are in use.
	From any `json:"from"`
	// To is the spec's value, references unresolved; "(secret)" for a
	// secret.
	To any `json:"to"`
	// Secret is true for a secret parameter, whose values are never shown.
	Secret bool `json:"secret,omitempty"`
}

// Summary counts a plan's changes by action.
type Summary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Disable int `json:"disable"`
	Inherit int `json:"inherit"`
	NoOp    int `json:"no_op"`
}

// Event reports progress of NewPlan, Apply and Export.
type Event struct {
	// Phase is "plan", "apply" or "export".
	Phase string
	// Done of Total units are finished: scopes for plan and export,
	// changes for apply.
	Done, Total int
	// Scope and Integration are the unit just finished (Integration is
	// empty for a scope).
	Scope       integrations.Scope
	Integration string
	// Err is the unit's error, nil on success.
	Err error
}

// HasChanges reports whether applying the plan would change anything.
func (p *Plan) HasChanges() bool {
	return p != nil && p.Summary.Create+p.Summary.Update+p.Summary.Disable+p.Summary.Inherit > 0
}

// NewPlan reads what GitLab has for every target of the spec and compares
// it with the spec. It reads with as few requests as GitLab allows: the
// projects of each projects_in group (every page), one List per scope, and
// a Get only for integrations the spec wants present that are active and
// not inherited. Scopes are read concurrently under the client's limiter.
//
// References of the values the changes will send are resolved, never
// shown: a non-secret value to compare it, a secret to compare it only
// with a state file holding its fingerprint; those that cannot be resolved
// here are listed in Plan.Unresolved, and the plan still holds. A spec
// that does not validate is refused before any request, and one that
// leaves out a required parameter once its targets are merged is refused
// before any integration is read. A project, group or projects_in group
// that does not exist, globs that leave no project, and an inherit no
// group above can serve are refused after reading, all in one *SpecError;
// these errors match integrations.ErrValidation. When reading a scope
// fails otherwise, NewPlan still reads the others and then returns every
// failure joined, each naming the target's spec line.
//
// With PlanOptions.StateFile, NewPlan reads only what changed: it records
// in the state file the non-secret settings it compared (never a secret)
// with each integration's updated_at and flags, and a later plan whose
// List shows an integration with the same updated_at and flags compares
// with the record instead of reading it (one request a scope for an
// unchanged fleet). A record made within a second of GitLab's clock of the
// change it shows is not trusted; a record of another GitLab, and an
// inheriting integration, are never used; Apply forgets the records of
// what it changes. PlanOptions.Refresh reads everything.
func NewPlan(ctx context.Context, c *integrations.Client, spec *Spec, opts PlanOptions) (*Plan, error) {
	if c == nil {
		return nil, fmt.Errorf("fleet: NewPlan: %w: nil client", integrations.ErrValidation)
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var state *stateFile
	if opts.StateFile != "" {
		var err error
		if state, err = loadState(opts.StateFile); err != nil {
			return nil, err
		}
		state.refresh = opts.Refresh
	}
	dir := newDirectory(c)
	places, probs, err := expandNear(ctx, spec, dir.projects, dir.near)
	if err != nil {
		return nil, err
	}
	var se *SpecError
	if err := checkRequired(places); errors.As(err, &se) {
		return nil, withProblems(probs, se.Problems).err()
	}
	p, err := plan(ctx, c, dir, places, probs, opts, state)
	if state != nil {
		// What was read is recorded even when the spec had problems.
		if serr := state.save(opts.StateFile); serr != nil {
			return nil, errors.Join(err, serr)
		}
	}
	return p, err
}

// plan reads every place and diffs it. A place that does not exist, and
// an inherit no group above can serve, are problems of the spec, reported
// together once every place is read.
func plan(ctx context.Context, c *integrations.Client, dir *directory, places []*place, probs problemList, opts PlanOptions, state *stateFile) (*Plan, error) {
	res := newResolver(opts.LookupEnv)
	// Every change is made in place in one list, sized once: each place
	// has room for one change an integration it wants, and nothing is
	// copied (a fleet's changes are most of what a plan holds).
	at := make([]int, len(places)+1)
	for i, pl := range places {
		at[i+1] = at[i] + len(pl.wants)
	}
	all := make([]Change, at[len(places)])
	results := make([][]Change, len(places))
	missing := make([]error, len(places))
	errs := make([]error, len(places))
	var mu sync.Mutex
	done := 0
	forEach(ctx, len(places), opts.Concurrency, func(i int) {
		results[i], missing[i], errs[i] = planPlace(ctx, c, dir, places[i], res, state, all[at[i]:at[i]:at[i+1]])
		if opts.Progress != nil {
			mu.Lock()
			done++
			opts.Progress(Event{Phase: "plan", Done: done, Total: len(places), Scope: places[i].scope, Err: errs[i]})
			mu.Unlock()
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fleet: plan: %w", err)
	}
	for i, pl := range places {
		if missing[i] != nil {
			kind, path, _ := strings.Cut(pl.text, ":")
			probs.addAt(pl.where, "%s %s does not exist%s", kind, path, dir.near(ctx, path, pl.scope.IsGroup()))
			probs[len(probs)-1].cause = missing[i]
		}
	}
	inherit, err := checkInherit(ctx, dir, places, results, opts.Concurrency)
	if err != nil {
		return nil, err
	}
	p := &Plan{Version: 1, Changes: all[:0]}
	for _, chs := range results {
		// Moved down over the room of places that made fewer changes
		// (one that does not exist): copy handles the overlap.
		p.Changes = append(p.Changes, chs...)
	}
	clear(all[len(p.Changes):])
	versions, err := versionProblems(ctx, c, p.Changes)
	if err != nil {
		return nil, err
	}
	if err := withProblems(withProblems(probs, inherit), withProblems(versions, blankRequired(places, res))).err(); err != nil {
		return nil, err
	}
	p.Unresolved = unresolved(pointers(p.Changes), res)
	p.count()
	return p, nil
}

// withProblems joins lists of problems in the order of the spec's lines.
func withProblems(a, b problemList) problemList {
	out := append(append(problemList(nil), a...), b...)
	sort.SliceStable(out, func(i, j int) bool { return lineOf(out[i].Where) < lineOf(out[j].Where) })
	return out
}

// count fills the summary.
func (p *Plan) count() {
	p.Summary = Summary{}
	for _, ch := range p.Changes {
		switch ch.Action {
		case Create:
			p.Summary.Create++
		case Update:
			p.Summary.Update++
		case Disable:
			p.Summary.Disable++
		case InheritAction:
			p.Summary.Inherit++
		default:
			p.Summary.NoOp++
		}
	}
}

// planPlace reads one scope (a List, then the Gets needed) and diffs every
// integration the spec manages there, appending the changes to out (which
// has room for them all).
// It returns GitLab's answer for a project or group that does not exist
// as missing, not as an error.
func planPlace(ctx context.Context, c *integrations.Client, dir *directory, pl *place, res *resolver, state *stateFile, out []Change) (changes []Change, missing, err error) {
	var listAnswer *http.Response
	list, err := c.List(ctx, pl.scope, listOptions(state, &listAnswer)...)
	switch {
	case pl.scope.IsGroup() && errors.Is(err, integrations.ErrGroupNotFound),
		!pl.scope.IsGroup() && errors.Is(err, integrations.ErrProjectNotFound):
		return nil, err, nil
	case err != nil:
		return nil, nil, fmt.Errorf("fleet: %s: %s: list integrations: %w", pl.where, pl.text, err)
	}
	if pl.scope.IsGroup() {
		_, path, _ := strings.Cut(pl.text, ":")
		dir.known("integrations", path, list)
	}
	// A scope lists a handful of integrations: looked up by a scan, not
	// through a map made for each scope.
	active := func(slug string) *integrations.Integration {
		for i := len(list) - 1; i >= 0; i-- { // the last wins, as in a map
			if list[i] != nil && list[i].Slug == slug {
				return list[i]
			}
		}
		return nil
	}
	var errs []error
	for _, e := range pl.wants {
		slug, w := e.slug, e.w
		info, _ := lookupInfo(slug)
		o := observed{listed: active(slug)}
		if w.state == Present && o.listed != nil && o.listed.Active && !o.listed.Inherited {
			var err error
			if o.settings, err = readSettings(ctx, c, state, pl, slug, w, o.listed, listAnswer); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		var check secretCheck
		if state != nil {
			check = func(param string, v any) (bool, bool, string) {
				fp, ok := state.recorded(pl.text, slug, param)
				if !ok {
					return false, false, ""
				}
				val, err := res.value(v)
				if err != nil {
					return false, false, param + ": not compared with the state file: " + err.Error()
				}
				s, _ := val.(string)
				return !hmacEqual(fp, state.fingerprint(pl.text, slug, param, s)), true, ""
			}
		}
		ch, err := diffOne(info, *w, o, res.value, check)
		if err != nil {
			errs = append(errs, fmt.Errorf("fleet: %s: %s: %w", e.set[""], pl.text, err))
			continue
		}
		ch.Scope, ch.text, ch.Where = pl.scope, pl.text, e.set[""]
		// Shared with the place (and its target's other places): read
		// by name only.
		ch.sentFrom = e.set
		ch.withhold(info)
		out = append(out, ch)
	}
	return out, nil, errors.Join(errs...)
}

// withhold moves secrets written as plain values out of Send, into memory
// only, so that no plan file ever holds one.
func (ch *Change) withhold(info integrations.IntegrationInfo) {
	if !slices.ContainsFunc(info.Parameters, func(p integrations.ParameterInfo) bool { return p.Secret && ch.Send[p.Name] != nil }) {
		return // nothing to withhold: no sorted list of names made for it
	}
	for _, name := range sortedKeys(ch.Send) {
		p, _ := info.Parameter(name)
		if !p.Secret {
			continue
		}
		if s, ok := ch.Send[name].(string); ok && !hasRefs(s) && s != "" {
			if ch.literals == nil {
				ch.literals = &secretsBox{values: map[string]string{}}
			}
			// The value sent is the text the spec means: $${ is "${".
			ch.literals.values[name] = strings.ReplaceAll(s, "$${", "${")
			if len(ch.Withheld) == 0 {
				ch.Send = maps.Clone(ch.Send) // it may be shared (sharedCreate)
			}
			delete(ch.Send, name)
			ch.Withheld = append(ch.Withheld, name)
		}
	}
	sort.Strings(ch.Withheld)
}

// forEach calls fn for 0..n-1 on at most conc goroutines (default 8),
// stopping early when ctx is done.
func forEach(ctx context.Context, n, conc int, fn func(i int)) {
	if conc <= 0 {
		conc = 8
	}
	conc = min(conc, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			i = n
		}
	}
	close(next)
	wg.Wait()
}
