package fleet

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gitlabkit/integrations"
)

// Own is what AuditEntry.InheritedFrom would say of settings of their own;
// the field is left empty for them, and this constant documents it.
const Own = ""

// InstanceDefault is AuditEntry.InheritedFrom for an integration that
// inherits while no group above it has the integration with settings of
// its own: the settings come from the instance-level default (or from a
// group the token cannot read).
const InstanceDefault = "instance"

// eventFlags returns the event flags of an answer, by API name: the
// top-level flags GitLab reports for every integration.
func eventFlags(it *integrations.Integration) map[string]bool {
	return map[string]bool{
		"commit_events":              it.CommitEvents,
		"push_events":                it.PushEvents,
		"issues_events":              it.IssuesEvents,
		"incident_events":            it.IncidentEvents,
		"alert_events":               it.AlertEvents,
		"confidential_issues_events": it.ConfidentialIssuesEvents,
		"merge_requests_events":      it.MergeRequestsEvents,
		"tag_push_events":            it.TagPushEvents,
		"deployment_events":          it.DeploymentEvents,
		"note_events":                it.NoteEvents,
		"confidential_note_events":   it.ConfidentialNoteEvents,
		"pipeline_events":            it.PipelineEvents,
		"wiki_page_events":           it.WikiPageEvents,
		"job_events":                 it.JobEvents,
		"vulnerability_events":       it.VulnerabilityEvents,
		"comment_on_event_enabled":   it.CommentOnEventEnabled,
	}
}

// treeGroups lists a group and the groups below it, by full path, the
// group first and the others sorted: the groups of a projects_in tree.
func treeGroups(ctx context.Context, c *integrations.Client, group string) ([]string, error) {
	var paths []string
	for g, err := range c.Subgroups(ctx, integrations.Group(group)) {
		if err != nil {
			return nil, fmt.Errorf("fleet: list the subgroups of group %s: %w", group, err)
		}
		paths = append(paths, g.FullPath)
	}
	sort.Strings(paths)
	return append([]string{group}, paths...), nil
}

// groupState is what a group has of one integration, as far as inheritance
// goes: set up there, and whether with settings of its own.
type groupState struct{ active, inherited bool }

// resolveInheritedFrom fills InheritedFrom of every inheriting entry: the
// nearest group above its scope whose integration has settings of its own,
// the one GitLab links an inheriting integration to
// (Integration.closest_group_integration). The groups of the audit are
// known from their entries; the groups above them that the audit did not
// read are listed once each (a List says active and inherited).
func resolveInheritedFrom(ctx context.Context, c *integrations.Client, found [][]AuditEntry, conc int) error {
	known := map[string]map[string]groupState{} // lower-case path → slug
	var need []*AuditEntry
	for i := range found {
		for j := range found[i] {
			e := &found[i][j]
			text := scopeText(e.Scope)
			if path, ok := strings.CutPrefix(text, "group:"); ok && e.Error == "" {
				k := strings.ToLower(path)
				if known[k] == nil {
					known[k] = map[string]groupState{}
				}
				if e.Integration != "" && (e.Active || e.Inherited) {
					known[k][e.Integration] = groupState{e.Active, e.Inherited}
				}
			}
			if e.Inherited {
				need = append(need, e)
			}
		}
	}
	var read []string
	seen := map[string]bool{}
	for _, e := range need {
		_, path, _ := strings.Cut(scopeText(e.Scope), ":")
		if isNumeric(path) {
			continue
		}
		for g := parentPath(path); g != ""; g = parentPath(g) {
			if k := strings.ToLower(g); known[k] == nil && !seen[k] {
				seen[k] = true
				read = append(read, g)
			}
		}
	}
	lists := make([][]*integrations.Integration, len(read))
	errs := make([]error, len(read))
	forEach(ctx, len(read), conc, func(i int) {
		lists[i], errs[i] = c.List(ctx, integrations.Group(read[i]))
		if errs[i] != nil {
			errs[i] = fmt.Errorf("fleet: audit: read the integrations of group %s, above what inherits: %w", read[i], errs[i])
		}
	})
	for i, g := range read {
		m := map[string]groupState{}
		if errs[i] != nil {
			if !errors.Is(errs[i], integrations.ErrNotFound) && !errors.Is(errs[i], integrations.ErrForbidden) {
				return errs[i]
			}
			// A group the token cannot read: what inherits from it says
			// InstanceDefault, the nearest readable answer.
		}
		for _, it := range lists[i] {
			m[it.Slug] = groupState{it.Active, it.Inherited}
		}
		known[strings.ToLower(g)] = m
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fleet: audit: %w", err)
	}
	for _, e := range need {
		_, path, _ := strings.Cut(scopeText(e.Scope), ":")
		if isNumeric(path) {
			continue
		}
		e.InheritedFrom = InstanceDefault
		for g := parentPath(path); g != ""; g = parentPath(g) {
			if st, ok := known[strings.ToLower(g)][e.Integration]; ok && !st.inherited {
				e.InheritedFrom = "group:" + g
				break
			}
		}
	}
	return nil
}
