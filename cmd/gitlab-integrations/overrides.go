package main

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/internal/safetext"
)

// overrideRow is one field of one override: what JSON, YAML, table, CSV
// and HTML print. An override with no readable difference has one row
// with an empty field.
type overrideRow struct {
	Integration      string `json:"integration" yaml:"integration"`
	Scope            string `json:"scope" yaml:"scope"`
	Active           bool   `json:"active" yaml:"active"`
	WouldInheritFrom string `json:"would_inherit_from" yaml:"would_inherit_from"`
	Field            string `json:"field,omitempty" yaml:"field,omitempty"`
	Own              any    `json:"own,omitempty" yaml:"own,omitempty"`
	Inherited        any    `json:"inherited,omitempty" yaml:"inherited,omitempty"`
}

func newOverridesCmd(root *rootOptions) *cobra.Command {
	var group, integration string
	var concurrency int
	cmd := &cobra.Command{
		Use:   "overrides --group G [--integration SLUG]",
		Short: "List the projects and subgroups that do not inherit their group's integrations",
		Long: `overrides reads a group, its subgroups and their projects, and for each
integration active on a group of that tree lists the descendants that use
settings of their own instead of inheriting, and for each the non-secret fields
(active, event flags, properties) that differ from what it would inherit with
use_inherited_settings. Secrets cannot be compared: GitLab never returns them,
so an override with no difference listed may still differ in one.

Without --integration the active integrations of every scope are listed (an
override turned off is not seen); with it, that integration is read on every
scope, turned off or not.

--output json and yaml give one object per integration with its overrides;
table and csv one row per differing field; html one self-contained page.`,
		Example: `  gitlab-integrations overrides --group acme
  gitlab-integrations overrides --group acme --integration jira -o json
  gitlab-integrations overrides --group acme -o html > overrides.html`,
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
			bar := root.newProgress()
			defer bar.finish()
			rep, err := fleet.Overrides(cmd.Context(), c, group, fleet.OverridesOptions{
				Integration: integration, Concurrency: concurrency,
				Progress: func(ev fleet.Event) {
					if ev.Err != nil {
						root.notef("overrides: %s: %v", ev.Scope, oneLine(forPeople(ev.Err.Error())))
					}
					bar.update("read", ev.Done, ev.Total)
				},
			})
			if err != nil {
				return err
			}
			bar.finish()
			if err := printOverrides(cmd.OutOrStdout(), format, rep); err != nil {
				return err
			}
			if rep.Failed > 0 {
				return fmt.Errorf("%d projects or groups could not be read: %s", rep.Failed, oneLine(forPeople(strings.Join(rep.Errors, "; "))))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&group, "group", "g", "", "the tree's group (path or ID)")
	f.StringVar(&integration, "integration", "", "only this integration (read on every scope)")
	f.IntVar(&concurrency, "concurrency", 8, "scopes read at once")
	_ = cmd.MarkFlagRequired("group")
	return cmd
}

// overrideRows flattens the report: one row per differing field.
func overrideRows(rep *fleet.OverridesReport) []overrideRow {
	rows := []overrideRow{}
	for _, oi := range rep.Integrations {
		for _, o := range oi.Overrides {
			base := overrideRow{Integration: oi.Integration, Scope: scopeText(o.Scope), Active: o.Active, WouldInheritFrom: o.WouldInheritFrom}
			if len(o.Differences) == 0 {
				rows = append(rows, base)
				continue
			}
			for _, d := range o.Differences {
				r := base
				r.Field, r.Own, r.Inherited = d.Field, d.Own, d.Inherited
				rows = append(rows, r)
			}
		}
	}
	return rows
}

func printOverrides(w io.Writer, format string, rep *fleet.OverridesReport) error {
	switch format {
	case "json", "yaml":
		return render(w, format, rep, nil)
	case "html":
		return writeOverridesHTML(w, rep)
	}
	t := &table{header: []string{"INTEGRATION", "SCOPE", "ACTIVE", "WOULD INHERIT FROM", "FIELD", "OWN", "INHERITED"}}
	if format == "csv" {
		t.header = []string{"integration", "scope", "active", "would_inherit_from", "field", "own", "inherited"}
	}
	for _, r := range overrideRows(rep) {
		field := r.Field
		if field == "" && format == "table" {
			field = "(only secrets can differ)"
		}
		t.add(r.Integration, r.Scope, yesNo(r.Active), r.WouldInheritFrom, field, cellOf(r.Own, r.Field), cellOf(r.Inherited, r.Field))
	}
	return render(w, format, nil, t)
}

// cellOf writes a value of a difference; nothing when there is no field.
func cellOf(v any, field string) string {
	if field == "" {
		return ""
	}
	if v == nil {
		return "(none)"
	}
	return cell(v)
}

// overridesPage is one self-contained HTML page, as audit's.
var overridesPage = template.Must(template.New("overrides").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>GitLab integrations overrides</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; font-family: ui-monospace, monospace; }
th { background: #f4f4f4; }
</style>
</head>
<body>
<h1>Overrides below {{.Group}}</h1>
<p>Generated {{.Generated}} by gitlab-integrations. Secrets cannot be compared: GitLab never returns them.</p>
{{range .Integrations}}<h2>{{.Name}}</h2>
<p>Set on {{.Groups}}; {{len .Rows}} differences.</p>
<table><thead><tr><th>scope</th><th>active</th><th>would inherit from</th><th>field</th><th>own</th><th>inherited</th></tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.Scope}}</td><td>{{.Active}}</td><td>{{.From}}</td><td>{{.Field}}</td><td>{{.Own}}</td><td>{{.Inherited}}</td></tr>
{{end}}</tbody></table>
{{end}}</body>
</html>
`))

// writeOverridesHTML writes the report as one page, a table per
// integration. GitLab's text is made safe for a terminal before
// html/template escapes it, as audit's page does.
func writeOverridesHTML(w io.Writer, rep *fleet.OverridesReport) error {
	type row struct{ Scope, Active, From, Field, Own, Inherited string }
	type section struct {
		Name, Groups string
		Rows         []row
	}
	data := struct {
		Group, Generated string
		Integrations     []section
	}{Group: safetext.Terminal(rep.Group), Generated: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	rows := overrideRows(rep)
	for _, oi := range rep.Integrations {
		s := section{Name: oi.Integration, Groups: safetext.Terminal(strings.Join(oi.Groups, ", "))}
		for _, r := range rows {
			if r.Integration != oi.Integration {
				continue
			}
			field := r.Field
			if field == "" {
				field = "(only secrets can differ)"
			}
			s.Rows = append(s.Rows, row{safetext.Terminal(r.Scope), yesNo(r.Active), safetext.Terminal(r.WouldInheritFrom), field,
				safetext.Terminal(cellOf(r.Own, r.Field)), safetext.Terminal(cellOf(r.Inherited, r.Field))})
		}
		data.Integrations = append(data.Integrations, s)
	}
	if err := overridesPage.Execute(w, data); err != nil {
		return fmt.Errorf("writing the HTML page: %w", err)
	}
	return nil
}
