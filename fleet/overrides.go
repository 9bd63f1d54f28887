package fleet

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/gitlabkit/integrations"
)

// OverridesOptions changes what Overrides reads.
type OverridesOptions struct {
	// Integration limits the report to one integration (any spelling
	// integrations.Resolve reads). It is read with a Get on every scope,
	// which finds the overrides that are turned off too; without it, the
	// active integrations of every scope are listed, and an override that
	// is turned off is not seen.
	Integration string
	// Concurrency is how many scopes are read at once (default 8).
	Concurrency int
	// Progress, when set, is called after each scope is read.
	Progress func(Event)
}

// OverridesReport is what Overrides found below one group.
type OverridesReport struct {
	// Group is the tree's root, as given.
	Group string `json:"group" yaml:"group"`
	// Integrations are those active on a group of the tree, by slug, each
	// with the scopes below that use settings of their own.
	Integrations []OverriddenIntegration `json:"integrations" yaml:"integrations"`
	// Failed counts the scopes that could not be read; Errors says why.
	Failed int      `json:"failed" yaml:"failed"`
	Errors []string `json:"errors,omitempty" yaml:"errors,omitempty"`
}

// OverriddenIntegration is one integration active at group level in the
// tree and the descendants that do not inherit it.
type OverriddenIntegration struct {
	Integration string `json:"integration" yaml:"integration"`
	// Groups are the groups of the tree where it is active with settings of
	// their own ("group:acme").
	Groups []string `json:"groups" yaml:"groups"`
	// Overrides are the projects and subgroups below such a group that use
	// settings of their own, by scope.
	Overrides []Override `json:"overrides" yaml:"overrides"`
}

// Override is one project or subgroup that uses settings of its own where
// it could inherit a group's.
type Override struct {
	Scope integrations.Scope `json:"scope" yaml:"scope"`
	// Active is whether the integration is on there.
	Active bool `json:"active" yaml:"active"`
	// WouldInheritFrom is the group whose settings it would take with
	// use_inherited_settings: the nearest above with settings of its own.
	WouldInheritFrom string `json:"would_inherit_from" yaml:"would_inherit_from"`
	// Differences are the non-secret fields (active, event flags,
	// properties) whose values differ from what it would inherit, by name;
	// empty when only secrets (which GitLab never reports) can differ.
	Differences []Difference `json:"differences" yaml:"differences"`
}

// Difference is one field of an Override: its own value and the one it
// would inherit.
type Difference struct {
	Field     string `json:"field" yaml:"field"`
	Own       any    `json:"own" yaml:"own"`
	Inherited any    `json:"inherited" yaml:"inherited"`
}

// Overrides reports, for each integration active on a group of the tree
// under group (the group, its subgroups and their projects), the
// descendants that use settings of their own instead of inheriting, and
// for each the non-secret fields that differ from what it would inherit.
// It reads what Audit reads for a ProjectsIn target (see OverridesOptions
// for the difference Integration makes); a scope that cannot be read is
// counted in Failed and does not stop the others.
func Overrides(ctx context.Context, c *integrations.Client, group string, opts OverridesOptions) (*OverridesReport, error) {
	if strings.TrimSpace(group) == "" {
		return nil, fmt.Errorf("fleet: Overrides: %w: no group", integrations.ErrValidation)
	}
	aopts := AuditOptions{Concurrency: opts.Concurrency, Progress: opts.Progress}
	if opts.Integration != "" {
		aopts.Only = []string{opts.Integration}
	}
	rep, err := Audit(ctx, c, []Target{{ProjectsIn: group}}, aopts)
	if err != nil {
		return nil, err
	}
	out := &OverridesReport{Group: group, Integrations: []OverriddenIntegration{}, Failed: rep.Failed}
	cells := map[string]map[string]AuditEntry{} // scope text → slug
	for _, e := range rep.Entries {
		text := scopeText(e.Scope)
		if e.Error != "" {
			out.Errors = append(out.Errors, text+": "+e.Error)
			continue
		}
		if cells[text] == nil {
			cells[text] = map[string]AuditEntry{}
		}
		cells[text][e.Integration] = e
	}
	for _, slug := range rep.Integrations {
		oi := OverriddenIntegration{Integration: slug, Groups: []string{}, Overrides: []Override{}}
		for _, s := range rep.Scopes {
			text := scopeText(s)
			if e := cells[text][slug]; s.IsGroup() && e.Active && !e.Inherited {
				oi.Groups = append(oi.Groups, text)
			}
		}
		if len(oi.Groups) == 0 {
			continue
		}
		for _, s := range rep.Scopes {
			text := scopeText(s)
			e, ok := cells[text][slug]
			if !ok || e.Events == nil || e.Inherited {
				continue // not set up there, or inheriting
			}
			_, path, _ := strings.Cut(text, ":")
			src, from := inheritSource(cells, path, slug)
			if src == nil {
				continue // nothing above it to inherit
			}
			oi.Overrides = append(oi.Overrides, Override{Scope: s, Active: e.Active, WouldInheritFrom: from, Differences: differences(e, *src)})
		}
		out.Integrations = append(out.Integrations, oi)
	}
	return out, nil
}

// inheritSource finds what a scope at path would inherit of slug among the
// groups read: the nearest group above with settings of its own, else the
// nearest with an inheriting copy (its copy is what GitLab last gave it),
// and says which group the settings come from.
func inheritSource(cells map[string]map[string]AuditEntry, path, slug string) (*AuditEntry, string) {
	var copyOf *AuditEntry
	from := ""
	for g := parentPath(path); g != ""; g = parentPath(g) {
		e, ok := cells["group:"+g][slug]
		if !ok || e.Events == nil {
			continue
		}
		if !e.Inherited {
			return &e, "group:" + g
		}
		if copyOf == nil && e.Active {
			c := e
			copyOf, from = &c, e.InheritedFrom
		}
	}
	return copyOf, from
}

// differences lists the non-secret fields whose values differ, sorted:
// the active flag, the event flags and the properties. A property GitLab
// reports as null and one it reports as "" are the same setting.
func differences(own, inherited AuditEntry) []Difference {
	out := []Difference{}
	if own.Active != inherited.Active {
		out = append(out, Difference{"active", own.Active, inherited.Active})
	}
	var events []string
	for k := range own.Events {
		events = append(events, k)
	}
	sort.Strings(events)
	for _, k := range events {
		if v, ok := inherited.Events[k]; ok && v != own.Events[k] {
			out = append(out, Difference{k, own.Events[k], v})
		}
	}
	if !own.Active || !inherited.Active {
		return out // GitLab's properties of an integration turned off say nothing
	}
	keys := map[string]bool{}
	for k := range own.Properties {
		keys[k] = true
	}
	for k := range inherited.Properties {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		a, b := own.Properties[k], inherited.Properties[k]
		if !sameReported(a, b) {
			out = append(out, Difference{k, a, b})
		}
	}
	return out
}

// sameReported compares two reported values, null and "" alike.
func sameReported(a, b any) bool {
	if a == nil {
		a = ""
	}
	if b == nil {
		b = ""
	}
	return reflect.DeepEqual(a, b)
}
