package fleet

import (
	"context"
	"encoding"
	"fmt"
	"sort"
	"strings"

	"github.com/gitlabkit/integrations"
)

// place is one project or group the spec names, with what its targets
// want there after merging.
type place struct {
	scope integrations.Scope
	text  string // "project:acme/web", as plans print it
	want  map[string]*wantedIntegration
	// set records, per integration and parameter, the place in the spec
	// that set it, to note overrides.
	set map[string]map[string]string
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
	byKey := map[string]*place{}
	var order []*place
	listed := map[string][]string{}
	get := func(scope integrations.Scope) *place {
		text := scopeText(scope)
		k := strings.ToLower(text)
		if p := byKey[k]; p != nil {
			return p
		}
		p := &place{scope: scope, text: text, want: map[string]*wantedIntegration{}, set: map[string]map[string]string{}}
		byKey[k] = p
		order = append(order, p)
		return p
	}
	for i, t := range s.Targets {
		var scopes []integrations.Scope
		switch {
		case t.Project != "":
			scopes = []integrations.Scope{integrations.Project(t.Project)}
		case t.Group != "":
			scopes = []integrations.Scope{integrations.Group(t.Group)}
		case t.ProjectsIn != "":
			paths, ok := listed[strings.ToLower(t.ProjectsIn)]
			if !ok {
				var err error
				if paths, err = list(ctx, t.ProjectsIn); err != nil {
					return nil, err
				}
				listed[strings.ToLower(t.ProjectsIn)] = paths
			}
			f, err := newPathFilter(t.Include, t.Exclude)
			if err != nil {
				return nil, fmt.Errorf("fleet: %s: %w", s.where(i), err)
			}
			for _, path := range paths {
				if f.keep(path) {
					scopes = append(scopes, integrations.Project(path))
				}
			}
		}
		for _, scope := range scopes {
			p := get(scope)
			for _, slug := range sortedKeys(t.Integrations) {
				p.merge(s, i, slug, t.Integrations[slug])
			}
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return order[a].text < order[b].text })
	return order, nil
}

// merge adds what target i wants for slug on p.
func (p *place) merge(s *Spec, i int, slug string, d Desired) {
	here := s.where(i, slug)
	state := d.State
	if state == "" {
		state = Present
	}
	old := p.want[slug]
	if p.set[slug] == nil {
		p.set[slug] = map[string]string{}
	}
	if old == nil {
		w := &wantedIntegration{state: state, params: map[string]any{}}
		for k, v := range d.Params {
			w.params[k] = v
			p.set[slug][k] = s.where(i, slug, k)
		}
		p.want[slug] = w
		p.set[slug][""] = here
		return
	}
	prev := p.set[slug][""]
	if state != Present || old.state != Present {
		if state != old.state || state == Present {
			old.notes = append(old.notes, fmt.Sprintf("%s (%s) overrides %s (%s)", state, here, old.state, prev))
		}
		old.state = state
		old.params = map[string]any{}
		p.set[slug] = map[string]string{"": here}
		for k, v := range d.Params {
			old.params[k] = v
			p.set[slug][k] = s.where(i, slug, k)
		}
		return
	}
	p.set[slug][""] = here
	for _, k := range sortedKeys(d.Params) {
		v := d.Params[k]
		at := s.where(i, slug, k)
		if before, ok := old.params[k]; ok && !sameValue(before, v) {
			old.notes = append(old.notes, fmt.Sprintf("%s: %s overrides %s", k, at, p.set[slug][k]))
		}
		old.params[k] = v
		p.set[slug][k] = at
	}
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
