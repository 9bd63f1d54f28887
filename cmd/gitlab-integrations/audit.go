package main

import (
	"context"
	"fmt"
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
}

// auditEntry is one project and integration of an audit: what JSON, YAML
// and CSV print, one per cell of the HTML matrix.
type auditEntry struct {
	Scope       string              `json:"scope" yaml:"scope"`
	Integration string              `json:"integration" yaml:"integration"`
	Active      bool                `json:"active" yaml:"active"`
	Inherited   bool                `json:"inherited" yaml:"inherited"`
	Properties  integrations.Values `json:"properties" yaml:"properties"`
	Error       string              `json:"error,omitempty" yaml:"error,omitempty"`
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
		Long: `audit reads the integrations of every project under a group (subgroups
included, archived projects left out) or of the projects given, and reports one
entry per project and integration: active, inherited from a group, and the
non-secret settings. Without --integration the columns are every integration
active somewhere; with it, those named.

--output html writes one self-contained page (no external assets) with a matrix
of projects × integrations.`,
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
				return fmt.Errorf("%d of %d projects could not be read (see the entries with an error)", rep.Failed, len(rep.Projects))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.projectsIn, "projects-in", "", "every project under this group (path or ID), subgroups included")
	f.StringArrayVarP(&opts.projects, "project", "p", nil, "a project (path or ID; repeatable)")
	f.StringSliceVar(&opts.integrations, "integration", nil, "only these integrations (comma-separated slugs)")
	f.IntVar(&opts.concurrency, "concurrency", 8, "projects read at once")
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
			Active: e.Active, Inherited: e.Inherited, Properties: e.Properties, Error: forPeople(e.Error)})
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
	t := &table{header: []string{"SCOPE", "INTEGRATION", "ACTIVE", "INHERITED", "PROPERTIES"}}
	if format == "csv" {
		t.header = append(t.header, "ERROR")
	}
	for _, e := range rep.Entries {
		var props []string
		for _, k := range sortedKeys(e.Properties) {
			if v := cell(e.Properties[k]); v != "" {
				props = append(props, k+"="+v)
			}
		}
		row := []string{e.Scope, e.Integration, yesNo(e.Active), yesNo(e.Inherited), strings.Join(props, " ")}
		if format == "csv" {
			row = append(row, e.Error)
		} else if e.Error != "" {
			row[1], row[4] = "(error)", e.Error
		}
		t.add(row...)
	}
	return render(w, format, nil, t)
}
