package fleet

import (
	"context"
	"encoding"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/internal/suggest"
)

// place is one project or group the spec names, with what its targets
// want there after merging. A fleet holds one a project while it plans, so
// a place keeps a slice, not maps, and shares with the other places of a
// target what that target alone wants (see firstMerge).
type place struct {
	scope integrations.Scope
	text  string // "project:acme/web", as plans print it
	// where is the spec's place of the first target that names it
	// ("fleet.yaml:7"), for errors about the place itself.
	where string
	// wants holds what the targets want here, one entry an integration,
	// in slug order.
	wants []wantEntry
}

// wantEntry is what the targets want for one integration on a place.
type wantEntry struct {
	slug string
	w    *wantedIntegration
	// set records, per parameter, the place in the spec that set it (""
	// for the integration itself: the last target that set it), to note
	// overrides.
	set map[string]string
}

// entry returns the place's entry for slug, or nil. The pointer is good
// until the next entry is added.
func (p *place) entry(slug string) *wantEntry {
	i, ok := slices.BinarySearchFunc(p.wants, slug, func(e wantEntry, s string) int { return strings.Compare(e.slug, s) })
	if !ok {
		return nil
	}
	return &p.wants[i]
}

// add inserts e in slug order; the place has no entry for e.slug yet.
func (p *place) add(e wantEntry) {
	if p.wants == nil {
		// Most places are wanted by one target: room for its
		// integrations, the first time, and no more.
		p.wants = make([]wantEntry, 0, 3)
	}
	i, _ := slices.BinarySearchFunc(p.wants, e.slug, func(e wantEntry, s string) int { return strings.Compare(e.slug, s) })
	p.wants = slices.Insert(p.wants, i, e)
}

// setAt is the spec's place that set parameter param of slug here ("" for
// the integration itself), or "".
func (p *place) setAt(slug, param string) string {
	if e := p.entry(slug); e != nil {
		return e.set[param]
	}
	return ""
}

// scopeText writes a scope as plans do: "project:acme/web", "group:7".
func scopeText(s integrations.Scope) string {
	if m, ok := any(s).(encoding.TextMarshaler); ok {
		if b, err := m.MarshalText(); err == nil && len(b) > 0 {
			return string(b)
		}
	}
	kind, ref, _ := strings.Cut(s.String(), " ")
	return kind + ":" + ref
}

// projectLister enumerates the projects under a group; Client.Projects in
// production, replaced in tests of the merging.
type projectLister func(ctx context.Context, group string) ([]string, error)

// clientLister lists a group's projects (subgroups included, archived
// left out) by full path, through the client.
func clientLister(c *integrations.Client) projectLister {
	return func(ctx context.Context, group string) ([]string, error) {
		var out []string
		for p, err := range c.Projects(ctx, integrations.Group(group)) {
			if err != nil {
				return nil, fmt.Errorf("fleet: list the projects of group %s: %w", group, err)
			}
			out = append(out, p.PathWithNamespace)
		}
		sort.Strings(out)
		return out, nil
	}
}

// expand turns the spec's targets into places, merging targets that name
// the same project or group: a later target overrides an earlier one for
// the same integration, parameter by parameter (or whole, when either
// wants it absent or inherited), and the change's notes say so.
func expand(ctx context.Context, s *Spec, list projectLister) ([]*place, error) {
	places, probs, err := expandNear(ctx, s, list, nil)
	if err != nil {
		return nil, err
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return places, nil
}

// nearFunc names the existing paths closest to one that does not exist,
// as " (did you mean acme/web?)", or "" when it knows none.
type nearFunc func(ctx context.Context, path string, group bool) string

// expandNear is expand, returning a projects_in group that does not exist
// and globs that leave none of its projects as problems of the spec, for
// the caller to report with the others it finds; near, when not nil,
// suggests the closest existing group.
func expandNear(ctx context.Context, s *Spec, list projectLister, near nearFunc) ([]*place, problemList, error) {
	byKey := map[string]*place{}
	var order []*place
	listed := map[string][]string{}
	missing := map[string]bool{}
	var probs problemList
	get := func(scope integrations.Scope, where string) *place {
		text := scopeText(scope)
		k := strings.ToLower(text)
		if p := byKey[k]; p != nil {
			return p
		}
		p := &place{scope: scope, text: text, where: where}
		byKey[k] = p
		order = append(order, p)
		return p
	}
	for i, t := range s.Targets {
		var scopes []integrations.Scope
		var where string
		switch {
		case t.Project != "":
			scopes = []integrations.Scope{integrations.Project(t.Project)}
			where = s.where(i, "@project")
		case t.Group != "":
			scopes = []integrations.Scope{integrations.Group(t.Group)}
			where = s.where(i, "@group")
		case t.ProjectsIn != "":
			where = s.where(i, "@projects_in")
			k := strings.ToLower(t.ProjectsIn)
			if missing[k] {
				continue
			}
			paths, ok := listed[k]
			if !ok {
				var err error
				paths, err = list(ctx, t.ProjectsIn)
				if errors.Is(err, integrations.ErrGroupNotFound) {
					missing[k] = true
					hint := ""
					if near != nil {
						hint = near(ctx, t.ProjectsIn, true)
					}
					probs.addAt(where, "projects_in: group %s does not exist%s", t.ProjectsIn, hint)
					continue
				}
				if err != nil {
					return nil, nil, fmt.Errorf("fleet: %s: %w", where, err)
				}
				listed[k] = paths
			}
			f, err := newPathFilter(t.Include, t.Exclude)
			if err != nil {
				return nil, nil, fmt.Errorf("fleet: %s: %w", s.where(i), err)
			}
			for _, path := range paths {
				if f.keep(path) {
					scopes = append(scopes, integrations.Project(path))
				}
			}
			if len(scopes) == 0 && len(t.Include)+len(t.Exclude) > 0 {
				probs.addAt(globsWhere(s, i), "%s", noMatchMessage(t, paths))
				continue
			}
		}
		firsts := map[string]*firstMerge{}
		for _, scope := range scopes {
			p := get(scope, where)
			for _, slug := range sortedKeys(t.Integrations) {
				p.merge(s, i, slug, t.Integrations[slug], firsts)
			}
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return order[a].text < order[b].text })
	return order, probs, nil
}

// globsWhere is the line of a target's include: (or exclude: when it has
// none).
func globsWhere(s *Spec, i int) string {
	if len(s.Targets[i].Include) == 0 {
		return s.where(i, "@exclude")
	}
	return s.where(i, "@include")
}

// noMatchMessage says that a target's globs leave none of its group's
// projects, which projects there are, and the closest to what the globs
// name.
func noMatchMessage(t Target, paths []string) string {
	if len(paths) == 0 {
		return fmt.Sprintf("projects_in: group %s has no projects (archived ones are left out), so include:/exclude: select none", t.ProjectsIn)
	}
	var b strings.Builder
	switch {
	case len(t.Include) > 0 && len(t.Exclude) > 0:
		fmt.Fprintf(&b, "include %s and exclude %s leave none", quoteList(t.Include), quoteList(t.Exclude))
	case len(t.Include) > 0:
		fmt.Fprintf(&b, "include %s matches none", quoteList(t.Include))
	default:
		fmt.Fprintf(&b, "exclude %s leaves none", quoteList(t.Exclude))
	}
	fmt.Fprintf(&b, " of the %d projects of %s", len(paths), t.ProjectsIn)
	if len(t.Include) > 0 {
		var near []string
		for _, g := range t.Include {
			for _, c := range suggest.Closest(globStem(g), pathsAndGroups(paths), 1) {
				if !slices.Contains(near, c) {
					near = append(near, c)
				}
			}
		}
		if len(near) > 0 {
			fmt.Fprintf(&b, " (did you mean %s?)", strings.Join(near, " or "))
		}
	}
	const shown = 5
	b.WriteString("; its projects: ")
	b.WriteString(strings.Join(paths[:min(shown, len(paths))], ", "))
	if len(paths) > shown {
		fmt.Fprintf(&b, " and %d more", len(paths)-shown)
	}
	return b.String()
}

// globStem is a glob's text before its first wildcard, without a trailing
// "/": what the glob names literally.
func globStem(g string) string {
	if i := strings.IndexAny(g, "*?"); i >= 0 {
		g = g[:i]
	}
	return strings.TrimSuffix(g, "/")
}

// pathsAndGroups lists project paths and every group path above them.
func pathsAndGroups(paths []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		for q := p; q != ""; {
			if !seen[q] {
				seen[q] = true
				out = append(out, q)
			}
			i := strings.LastIndexByte(q, '/')
			if i < 0 {
				break
			}
			q = q[:i]
		}
	}
	return out
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// firstMerge is what a target wants for one integration on a place that
// nothing wanted it on before: the same for every place of the target, so
// made once and shared (until a later target changes it on a place).
type firstMerge struct {
	want *wantedIntegration
	set  map[string]string
}

// merge adds what target i wants for slug on p; firsts holds the target's
// shared first merges by slug.
func (p *place) merge(s *Spec, i int, slug string, d Desired, firsts map[string]*firstMerge) {
	here := s.where(i, slug)
	state := d.State
	if state == "" {
		state = Present
	}
	e := p.entry(slug)
	if e == nil {
		f := firsts[slug]
		if f == nil {
			w := &wantedIntegration{state: state, params: map[string]any{}, creates: &sharedCreate{}, shared: true}
			f = &firstMerge{want: w, set: map[string]string{"": here}}
			for k, v := range d.Params {
				w.params[k] = v
				f.set[k] = s.where(i, slug, k)
				if slices.Contains(d.NewSecrets, k) {
					if w.fresh == nil {
						w.fresh = map[string]bool{}
					}
					w.fresh[k] = true
				}
			}
			firsts[slug] = f
		}
		p.add(wantEntry{slug: slug, w: f.want, set: f.set})
		return
	}
	old := e.w
	if old.shared {
		// Copied before a second target changes them: the shared one
		// stays the other places'.
		old = &wantedIntegration{state: old.state, params: maps.Clone(old.params), notes: slices.Clone(old.notes), fresh: maps.Clone(old.fresh)}
		e.w, e.set = old, maps.Clone(e.set)
	}
	prev := e.set[""]
	if state != Present || old.state != Present {
		if state != old.state || state == Present {
			old.notes = append(old.notes, fmt.Sprintf("%s (%s) overrides %s (%s)", state, here, old.state, prev))
		}
		old.state = state
		old.params = map[string]any{}
		old.fresh = nil
		e.set = map[string]string{"": here}
		for k, v := range d.Params {
			old.params[k] = v
			old.markNew(k, d)
			e.set[k] = s.where(i, slug, k)
		}
		return
	}
	e.set[""] = here
	for _, k := range sortedKeys(d.Params) {
		v := d.Params[k]
		at := s.where(i, slug, k)
		if before, ok := old.params[k]; ok && !sameValue(before, v) {
			old.notes = append(old.notes, fmt.Sprintf("%s: %s overrides %s", k, at, e.set[k]))
		}
		old.params[k] = v
		old.markNew(k, d)
		e.set[k] = at
	}
}

// markNew records whether the target that sets parameter k marks it new:
// a later target that sets it again decides anew.
func (w *wantedIntegration) markNew(k string, d Desired) {
	if slices.Contains(d.NewSecrets, k) {
		if w.fresh == nil {
			w.fresh = map[string]bool{}
		}
		w.fresh[k] = true
		return
	}
	delete(w.fresh, k)
}

// sameValue compares two spec values of the same parameter.
func sameValue(a, b any) bool {
	return fmt.Sprintf("%T %v", a, a) == fmt.Sprintf("%T %v", b, b)
}

// placesOnly checks targets that name places only (Export's and Audit's:
// ProjectsIn, Project or Group, their Integrations ignored) and returns
// them as a spec to expand.
func placesOnly(targets []Target) (*Spec, error) {
	s := &Spec{Version: 1, Targets: make([]Target, len(targets))}
	var p problemList
	for i, t := range targets {
		t.Integrations = nil
		s.Targets[i] = t
		s.validatePlace(i, &p)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return s, nil
}
