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

// AuditOptions changes what Audit reads.
type AuditOptions struct {
	// Concurrency is how many scopes are read at once (default 8).
	Concurrency int
	// Progress, when set, is called after each scope is read.
	Progress func(Event)
	// Only limits the audit to these integrations (any spelling
	// integrations.Resolve reads); empty: every integration active
	// somewhere.
	Only []string
	// ActiveOnly leaves out the entries of integrations not active on
	// their scope (the columns stay; the errors are kept).
	ActiveOnly bool
}

// AuditEntry is what one project or group has of one integration.
type AuditEntry struct {
	// Scope is where: it marshals as "project:acme/web".
	Scope integrations.Scope `json:"scope" yaml:"scope"`
	// Integration is the slug.
	Integration string `json:"integration" yaml:"integration"`
	// Active and Inherited are GitLab's flags; both false when the
	// integration was never set up there.
	Active    bool `json:"active" yaml:"active"`
	Inherited bool `json:"inherited" yaml:"inherited"`
	// InheritedFrom says where the settings of an inheriting integration
	// come from: the nearest group above with settings of its own
	// ("group:acme"), or InstanceDefault. Empty (Own) for settings of its
	// own, for an integration not set up, and for a scope given by ID.
	InheritedFrom string `json:"inherited_from,omitempty" yaml:"inherited_from,omitempty"`
	// Events are the event flags GitLab reports (push_events, …), by API
	// name; empty when the integration was never set up there.
	Events map[string]bool `json:"events,omitempty" yaml:"events,omitempty"`
	// Properties are the settings GitLab reports, secrets left out (some
	// integrations echo a key or a webhook URL); empty when inactive.
	Properties integrations.Values `json:"properties" yaml:"properties"`
	// Error says why the scope could not be read; the other fields are
	// then empty.
	Error string `json:"error,omitempty" yaml:"error,omitempty"`
}

// AuditReport is what Audit found: one entry per scope and integration of
// Integrations, in the order of Scopes (a matrix), plus one entry with Error
// set per scope that could not be read.
type AuditReport struct {
	// Scopes are the projects and groups read, by path.
	Scopes []integrations.Scope `json:"scopes" yaml:"scopes"`
	// Integrations are the slugs of the matrix's columns: those of
	// AuditOptions.Only, or every integration active somewhere.
	Integrations []string `json:"integrations" yaml:"integrations"`
	// Entries holds the cells, scope by scope.
	Entries []AuditEntry `json:"entries" yaml:"entries"`
	// Failed counts the scopes that could not be read.
	Failed int `json:"failed" yaml:"failed"`
}

// Audit reads which integrations are active on every project and group the
// targets name (each Target with ProjectsIn, Project or Group set, and
// Integrations empty; a ProjectsIn target names its group and every
// subgroup too, groups first), with their settings and event flags, and
// where each inheriting one takes its settings from, Concurrency scopes at a time
// under the client's limiter. A scope that cannot be read is reported in
// its entry and does not stop the others; a cancelled context stops all.
//
// It asks GitLab for one List per scope and one Get per integration shown;
// with Only, a Get per named integration and no List; for a ProjectsIn
// target, the list of its subgroups; and, when something inherits, one
// List per group above it that the audit does not cover.
func Audit(ctx context.Context, c *integrations.Client, targets []Target, opts AuditOptions) (*AuditReport, error) {
	if c == nil {
		return nil, fmt.Errorf("fleet: Audit: %w: nil client", integrations.ErrValidation)
	}
	var filter []*integrations.DynamicService
	seen := map[string]bool{}
	for _, name := range opts.Only {
		d, err := c.Integration(strings.TrimSpace(name))
		if err != nil {
			return nil, fmt.Errorf("fleet: Audit: %w", err)
		}
		if slug := d.Info().Slug; !seen[slug] {
			seen[slug] = true
			filter = append(filter, d)
		}
	}
	s, err := placesOnly(targets)
	if err != nil {
		return nil, err
	}
	places, err := auditPlaces(ctx, s, clientLister(c), func(ctx context.Context, group string) ([]string, error) {
		return treeGroups(ctx, c, group)
	})
	if err != nil {
		return nil, err
	}

	found := make([][]AuditEntry, len(places))
	var mu sync.Mutex
	done := 0
	forEach(ctx, len(places), opts.Concurrency, func(i int) {
		entries, err := auditPlace(ctx, c, places[i].scope, filter)
		if err != nil {
			entries = []AuditEntry{{Scope: places[i].scope, Error: err.Error()}}
		}
		found[i] = entries
		if opts.Progress != nil {
			mu.Lock()
			done++
			opts.Progress(Event{Phase: "audit", Done: done, Total: len(places), Scope: places[i].scope, Err: err})
			mu.Unlock()
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fleet: audit: %w", err)
	}
	if err := resolveInheritedFrom(ctx, c, found, opts.Concurrency); err != nil {
		return nil, err
	}

	rep := &AuditReport{Integrations: []string{}}
	for _, d := range filter {
		rep.Integrations = append(rep.Integrations, d.Info().Slug)
	}
	if len(filter) == 0 {
		cols := map[string]bool{}
		for _, entries := range found {
			for _, e := range entries {
				if e.Integration != "" && !cols[e.Integration] {
					cols[e.Integration] = true
					rep.Integrations = append(rep.Integrations, e.Integration)
				}
			}
		}
		sort.Strings(rep.Integrations)
	}
	for i, entries := range found {
		rep.Scopes = append(rep.Scopes, places[i].scope)
		if len(entries) == 1 && entries[0].Error != "" {
			rep.Failed++
			rep.Entries = append(rep.Entries, entries[0])
			continue
		}
		for _, slug := range rep.Integrations {
			e := AuditEntry{Scope: places[i].scope, Integration: slug, Properties: integrations.Values{}}
			for _, got := range entries {
				if got.Integration == slug {
					e = got
				}
			}
			if opts.ActiveOnly && !e.Active {
				continue
			}
			rep.Entries = append(rep.Entries, e)
		}
	}
	return rep, nil
}

// auditPlace reads one scope: the integrations of filter, or every active
// one. An integration this SDK does not know (a newer GitLab's) is left
// out: it has no parameters to show.
func auditPlace(ctx context.Context, c *integrations.Client, scope integrations.Scope, filter []*integrations.DynamicService) ([]AuditEntry, error) {
	services := filter
	if len(services) == 0 {
		active, err := c.List(ctx, scope)
		if err != nil {
			return nil, fmt.Errorf("listing its integrations: %w", err)
		}
		for _, it := range active {
			d, err := c.Integration(it.Slug)
			if errors.Is(err, integrations.ErrUnknownIntegration) {
				continue
			}
			if err != nil {
				return nil, err
			}
			services = append(services, d)
		}
	}
	var out []AuditEntry
	for _, d := range services {
		info := d.Info()
		if scope.IsGroup() && !info.Group {
			out = append(out, AuditEntry{Scope: scope, Integration: info.Slug, Properties: integrations.Values{}})
			continue
		}
		st, err := d.Get(ctx, scope)
		if errors.Is(err, integrations.ErrIntegrationNotFound) {
			out = append(out, AuditEntry{Scope: scope, Integration: info.Slug, Properties: integrations.Values{}})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", info.Slug, err)
		}
		out = append(out, entryOf(scope, info, st))
	}
	return out, nil
}

// auditPlaces lists the scopes the targets name, in the order the targets
// give them (a projects_in tree's groups, then its projects, by path),
// each once. Unlike a plan's, the
// order is the user's: an audit of --project b --project a lists b first.
func auditPlaces(ctx context.Context, s *Spec, list projectLister, groups projectLister) ([]*place, error) {
	var out []*place
	seen := map[string]bool{}
	add := func(scope integrations.Scope) {
		text := scopeText(scope)
		if k := strings.ToLower(text); !seen[k] {
			seen[k] = true
			out = append(out, &place{scope: scope, text: text})
		}
	}
	for i, t := range s.Targets {
		switch {
		case t.Project != "":
			add(integrations.Project(t.Project))
		case t.Group != "":
			add(integrations.Group(t.Group))
		case t.ProjectsIn != "":
			paths, err := list(ctx, t.ProjectsIn)
			if err != nil {
				return nil, err
			}
			tree, err := groups(ctx, t.ProjectsIn)
			if err != nil {
				return nil, err
			}
			for _, g := range tree {
				add(integrations.Group(g))
			}
			f, err := newPathFilter(t.Include, t.Exclude)
			if err != nil {
				return nil, fmt.Errorf("fleet: %s: %w", s.where(i), err)
			}
			for _, path := range paths {
				if f.keep(path) {
					add(integrations.Project(path))
				}
			}
		}
	}
	return out, nil
}

// entryOf is the audit entry of one answer: flags and non-secret
// properties.
func entryOf(scope integrations.Scope, info integrations.IntegrationInfo, st *integrations.Settings[integrations.Values]) AuditEntry {
	e := AuditEntry{Scope: scope, Integration: info.Slug, Active: st.Active, Inherited: st.Inherited,
		Properties: integrations.Values{}, Events: eventFlags(&st.Integration)}
	if st.Active {
		for k, v := range st.Properties {
			if p, ok := info.Parameter(k); ok && p.Secret {
				continue
			}
			e.Properties[k] = v
		}
	}
	return e
}
