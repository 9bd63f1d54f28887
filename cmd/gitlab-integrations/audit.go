package main

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// auditOptions are the flags of audit.
type auditOptions struct {
	projectsIn   string
	projects     []string
	integrations []string
	concurrency  int
	activeOnly   bool
}

// auditEntry is one project and integration of an audit: what JSON, YAML
// and CSV print, one per cell of the HTML matrix.
type auditEntry struct {
	Scope       string `json:"scope" yaml:"scope"`
	Integration string `json:"integration" yaml:"integration"`
	Active      bool   `json:"active" yaml:"active"`
	Inherited   bool   `json:"inherited" yaml:"inherited"`
	// InheritedFrom is "group:acme" (or "instance") for inheriting
	// settings, empty for settings of its own.
	InheritedFrom string              `json:"inherited_from,omitempty" yaml:"inherited_from,omitempty"`
	Events        map[string]bool     `json:"events,omitempty" yaml:"events,omitempty"`
	Properties    integrations.Values `json:"properties" yaml:"properties"`
	Error         string              `json:"error,omitempty" yaml:"error,omitempty"`
}

// auditReport is everything audit found.
type auditReport struct {
	Projects     []string // scopes, in order
	Integrations []string // slugs, the matrix's columns
	Entries      []auditEntry
	Failed       int
	Generated    time.Time
}

func newAuditCmd(root *rootOptions) *cobra.Command {
	var opts auditOptions
	cmd := &cobra.Command{
		Use:   "audit --projects-in G | --project P …",
		Short: "Report which integrations are active where, with their non-secret settings",
		Long: `audit reads the integrations of a group, of every subgroup and project under
it (archived projects left out), or of the projects given, and reports one
entry per scope and integration: active, whether its settings are its own or
inherited and from which group (inherited_from: group:acme), its event flags
(JSON and YAML) and its non-secret settings. Without --integration the columns
are every integration active somewhere; with it, those named. --active-only
leaves out the integrations not active on a scope.

--output csv has one column per parameter; --output html writes one
self-contained page (no external assets) with a matrix of groups and projects ×
integrations, the totals of each integration, and each cell's settings and
source in its hover text.`,
		Example: `  gitlab-integrations audit --projects-in acme --integration jira,slack
  gitlab-integrations audit --projects-in acme -o html > audit.html
  gitlab-integrations audit --project acme/web --project acme/api -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := root.format("table", append(dataFormats, "html")...)
			if err != nil {
				return err
			}
			c, err := root.client()
			if err != nil {
				return err
			}
			rep, err := runAudit(cmd.Context(), c, root, &opts)
			if err != nil {
				return err
			}
			if err := printAudit(cmd, format, rep); err != nil {
				return err
			}
			if rep.Failed > 0 {
				what := "projects"
				if slices.ContainsFunc(rep.Projects, func(s string) bool { return strings.HasPrefix(s, "group:") }) {
					what = "projects and groups"
				}
				return fmt.Errorf("%d of %d %s could not be read (see the entries with an error)", rep.Failed, len(rep.Projects), what)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.projectsIn, "projects-in", "", "this group (path or ID), its subgroups and every project under it")
	f.StringArrayVarP(&opts.projects, "project", "p", nil, "a project (path or ID; repeatable)")
	f.StringSliceVar(&opts.integrations, "integration", nil, "only these integrations (comma-separated slugs)")
	f.IntVar(&opts.concurrency, "concurrency", 8, "projects read at once")
	f.BoolVar(&opts.activeOnly, "active-only", false, "leave out the integrations not active on a scope")
	cmd.MarkFlagsOneRequired("projects-in", "project")
	cmd.MarkFlagsMutuallyExclusive("projects-in", "project")
	return cmd
}

// runAudit reads every project's integrations through fleet.Audit and
// shapes the report for printing.
func runAudit(ctx context.Context, c *integrations.Client, root *rootOptions, opts *auditOptions) (*auditReport, error) {
	var targets []fleet.Target
	if opts.projectsIn != "" {
		targets = append(targets, fleet.Target{ProjectsIn: opts.projectsIn})
	}
	for _, p := range opts.projects {
		targets = append(targets, fleet.Target{Project: p})
	}
	bar := root.newProgress()
	defer bar.finish()
	found, err := fleet.Audit(ctx, c, targets, fleet.AuditOptions{
		Concurrency: opts.concurrency,
		Only:        opts.integrations,
		ActiveOnly:  opts.activeOnly,
		Progress: func(ev fleet.Event) {
			if ev.Err != nil {
				root.notef("audit: %s: %v", ev.Scope, oneLine(forPeople(ev.Err.Error())))
			}
			bar.update("audit", ev.Done, ev.Total)
		},
	})
	if err != nil {
		return nil, err
	}
	bar.finish()
	if len(found.Scopes) == 0 {
		return nil, fmt.Errorf("%s has no project (archived ones are left out)", integrations.Group(opts.projectsIn))
	}
	rep := &auditReport{Integrations: found.Integrations, Failed: found.Failed, Generated: time.Now().UTC()}
	for _, s := range found.Scopes {
		rep.Projects = append(rep.Projects, scopeText(s))
	}
	for _, e := range found.Entries {
		rep.Entries = append(rep.Entries, auditEntry{Scope: scopeText(e.Scope), Integration: e.Integration,
			Active: e.Active, Inherited: e.Inherited, InheritedFrom: e.InheritedFrom, Events: e.Events,
			Properties: e.Properties, Error: forPeople(e.Error)})
	}
	return rep, nil
}

func printAudit(cmd *cobra.Command, format string, rep *auditReport) error {
	w := cmd.OutOrStdout()
	switch format {
	case "html":
		return writeAuditHTML(w, rep)
	case "json", "yaml":
		entries := rep.Entries
		if entries == nil {
			entries = []auditEntry{}
		}
		return render(w, format, entries, nil)
	}
	if format == "csv" {
		return render(w, format, nil, auditCSV(rep))
	}
	t := &table{header: []string{"SCOPE", "INTEGRATION", "ACTIVE", "INHERITED", "FROM", "PROPERTIES"}}
	for _, e := range rep.Entries {
		var props []string
		for _, k := range sortedKeys(e.Properties) {
			if v := cell(e.Properties[k]); v != "" {
				props = append(props, k+"="+v)
			}
		}
		row := []string{e.Scope, e.Integration, yesNo(e.Active), yesNo(e.Inherited), e.InheritedFrom, strings.Join(props, " ")}
		if e.Error != "" {
			row[1], row[5] = "(error)", e.Error
		}
		t.add(row...)
	}
	return render(w, format, nil, t)
}

// auditCSV is the audit as a sheet: one row per entry, one column per
// parameter reported anywhere (sorted), the error last.
func auditCSV(rep *auditReport) *table {
	seen := map[string]bool{}
	var params []string
	for _, e := range rep.Entries {
		for k := range e.Properties {
			if !seen[k] {
				seen[k] = true
				params = append(params, k)
			}
		}
	}
	sort.Strings(params)
	t := &table{header: append(append([]string{"SCOPE", "INTEGRATION", "ACTIVE", "INHERITED", "INHERITED_FROM"}, params...), "ERROR")}
	for _, e := range rep.Entries {
		row := []string{e.Scope, e.Integration, yesNo(e.Active), yesNo(e.Inherited), e.InheritedFrom}
		for _, k := range params {
			row = append(row, cell(e.Properties[k]))
		}
		t.add(append(row, e.Error)...)
	}
	return t
}
