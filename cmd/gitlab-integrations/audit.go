package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
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
	f.StringArrayVar(&opts.projects, "project", nil, "a project (path or ID; repeatable)")
	f.StringSliceVar(&opts.integrations, "integration", nil, "only these integrations (comma-separated slugs)")
	f.IntVar(&opts.concurrency, "concurrency", 8, "projects read at once")
	cmd.MarkFlagsOneRequired("projects-in", "project")
	cmd.MarkFlagsMutuallyExclusive("projects-in", "project")
	return cmd
}

// projectScopes returns the projects named by --projects-in or --project,
// as scopes and as the text that names them.
func projectScopes(ctx context.Context, c *integrations.Client, projectsIn string, projects []string) ([]integrations.Scope, []string, error) {
	var scopes []integrations.Scope
	var names []string
	if projectsIn != "" {
		group := integrations.Group(projectsIn)
		for p, err := range c.Projects(ctx, group) {
			if err != nil {
				return nil, nil, fmt.Errorf("listing the projects of %s: %w", group, err)
			}
			scopes = append(scopes, integrations.Project(p.PathWithNamespace))
			names = append(names, "project:"+p.PathWithNamespace)
		}
		if len(scopes) == 0 {
			return nil, nil, fmt.Errorf("%s has no project (archived ones are left out)", group)
		}
		return scopes, names, nil
	}
	for _, p := range projects {
		s := integrations.Project(p)
		scopes = append(scopes, s)
		names = append(names, scopeText(s))
	}
	return scopes, names, nil
}

// runAudit reads every project's integrations, opts.concurrency at a time.
//
// TODO(lead): move to fleet or the SDK: reading the settings of many
// projects at once (an Inventory or Audit beside fleet.Export, with the same
// Progress events), so that a Go user does not rewrite this walk.
func runAudit(ctx context.Context, c *integrations.Client, root *rootOptions, opts *auditOptions) (*auditReport, error) {
	var filter []*integrations.DynamicService
	for _, s := range opts.integrations {
		d, err := c.Integration(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("--integration: %w", err)
		}
		filter = append(filter, d)
	}
	scopes, names, err := projectScopes(ctx, c, opts.projectsIn, opts.projects)
	if err != nil {
		return nil, err
	}

	bar := root.newProgress()
	defer bar.finish()
	perProject := make([][]auditEntry, len(scopes))
	var done atomic.Int64
	var mu sync.Mutex
	var firstFatal error
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(1, opts.concurrency) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				entries, err := auditProject(ctx, c, scopes[i], names[i], filter)
				if err != nil {
					if ctx.Err() != nil {
						mu.Lock()
						firstFatal = cmpErr(firstFatal, ctx.Err())
						mu.Unlock()
					}
					entries = []auditEntry{{Scope: names[i], Error: err.Error()}}
					root.notef("audit: %s: %v", scopes[i], oneLine(err.Error()))
				}
				perProject[i] = entries
				bar.update("audit", int(done.Add(1)), len(scopes))
			}
		}()
	}
	for i := range scopes {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if firstFatal != nil {
		return nil, firstFatal
	}
	bar.finish()

	rep := &auditReport{Projects: names, Generated: time.Now().UTC()}
	cols := map[string]bool{}
	for _, d := range filter {
		if !cols[d.Info().Slug] {
			cols[d.Info().Slug] = true
			rep.Integrations = append(rep.Integrations, d.Info().Slug)
		}
	}
	if len(filter) == 0 {
		for _, entries := range perProject {
			for _, e := range entries {
				if e.Integration != "" && !cols[e.Integration] {
					cols[e.Integration] = true
					rep.Integrations = append(rep.Integrations, e.Integration)
				}
			}
		}
		sort.Strings(rep.Integrations)
	}
	// One entry per project and column, in the matrix's order.
	for i, entries := range perProject {
		if len(entries) == 1 && entries[0].Error != "" {
			rep.Failed++
			rep.Entries = append(rep.Entries, entries[0])
			continue
		}
		for _, slug := range rep.Integrations {
			e := auditEntry{Scope: names[i], Integration: slug, Properties: integrations.Values{}}
			if j := slices.IndexFunc(entries, func(e auditEntry) bool { return e.Integration == slug }); j >= 0 {
				e = entries[j]
			}
			rep.Entries = append(rep.Entries, e)
		}
	}
	return rep, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// auditProject reads the integrations of one project: those of filter, or
// every active one.
func auditProject(ctx context.Context, c *integrations.Client, scope integrations.Scope, name string, filter []*integrations.DynamicService) ([]auditEntry, error) {
	services := filter
	if len(services) == 0 {
		active, err := c.List(ctx, scope)
		if err != nil {
			return nil, fmt.Errorf("listing its integrations: %w", err)
		}
		for _, it := range active {
			d, err := c.Integration(it.Slug)
			if errors.Is(err, integrations.ErrUnknownIntegration) {
				// A newer GitLab's integration: reported without settings.
				continue
			}
			if err != nil {
				return nil, err
			}
			services = append(services, d)
		}
	}
	var out []auditEntry
	for _, d := range services {
		info := d.Info()
		st, err := d.Get(ctx, scope)
		if errors.Is(err, integrations.ErrIntegrationNotFound) {
			out = append(out, auditEntry{Scope: name, Integration: info.Slug, Properties: integrations.Values{}})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", info.Slug, err)
		}
		e := auditEntry{Scope: name, Integration: info.Slug, Active: st.Active, Inherited: st.Inherited, Properties: integrations.Values{}}
		if st.Active {
			e.Properties = publicProperties(info, st.Properties)
		}
		out = append(out, e)
	}
	return out, nil
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
