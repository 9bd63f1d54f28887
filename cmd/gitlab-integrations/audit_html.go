package main

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/gitlabkit/integrations/internal/safetext"
)

// auditPage is one self-contained HTML page: styles inline, no scripts,
// no external assets. The markup is also well-formed XML.
var auditPage = template.Must(template.New("audit").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>GitLab integrations audit</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
p.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: center; }
th { background: #f4f4f4; position: sticky; top: 0; }
th.project, td.project { text-align: left; font-family: ui-monospace, monospace; }
td.on { background: #d8f5d8; color: #185c18; }
td.inherited { background: #dde8fb; color: #1d3f7a; }
td.off { color: #bbb; }
td.error { background: #fbe0e0; color: #8a1c1c; text-align: left; }
tfoot td, tfoot th { font-weight: bold; background: #f4f4f4; }
tr:hover td { outline: 1px solid #999; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 1em; border: 1px solid #ddd; }
dl { margin: 0.3em 0 1em 1em; } dt { font-weight: bold; } dd { margin: 0 0 0.5em 1em; font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1>GitLab integrations audit</h1>
<p class="meta">{{.Groups}} groups, {{.ProjectCount}} projects, {{len .Integrations}} integrations{{if .Failed}}, {{.Failed}} could not be read{{end}}. Generated {{.Generated.Format "2006-01-02 15:04 UTC"}} by gitlab-integrations.</p>
<p class="legend"><span class="on" style="background:#d8f5d8">✔ active</span><span style="background:#dde8fb">⇣ inherited from a group</span><span>· not active</span></p>
<table id="matrix">
<thead><tr><th class="project">scope</th>{{range .Integrations}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr><td class="project">{{.Project}}</td>{{if .Error}}<td class="error" colspan="{{$.Span}}">{{.Error}}</td>{{else}}{{range .Cells}}<td class="{{.Class}}" title="{{.Title}}">{{.Mark}}</td>{{end}}{{end}}</tr>
{{end}}</tbody>
<tfoot><tr><th class="project" scope="row">active (inherited)</th>{{range .Totals}}<td class="total">{{.Active}} ({{.Inherited}})</td>{{end}}</tr></tfoot>
</table>
<h2>Settings</h2>
{{range .Rows}}{{if .Active}}<h3>{{.Project}}</h3>
<dl>{{range .Active}}<dt>{{.Integration}}{{if .Inherited}} (inherited{{if .From}} from {{.From}}{{end}}){{end}}</dt><dd>{{if .Props}}{{.Props}}{{else}}no settings reported{{end}}</dd>{{end}}</dl>
{{end}}{{end}}</body>
</html>
`))

type htmlCell struct{ Class, Title, Mark string }

type htmlActive struct {
	Integration string
	Inherited   bool
	From        string
	Props       string
}

// htmlTotal counts one integration's active cells, and of them the
// inheriting ones.
type htmlTotal struct{ Active, Inherited int }

type htmlRow struct {
	Project string
	Error   string
	Cells   []htmlCell
	Active  []htmlActive
}

// writeAuditHTML writes the audit as one page with a matrix of groups and
// projects × integrations, and a row of totals.
func writeAuditHTML(w io.Writer, rep *auditReport) error {
	type byKey struct{ scope, slug string }
	entries := map[byKey]auditEntry{}
	errs := map[string]string{}
	for _, e := range rep.Entries {
		if e.Error != "" {
			errs[e.Scope] = e.Error
			continue
		}
		entries[byKey{e.Scope, e.Integration}] = e
	}
	var rows []htmlRow
	totals := make([]htmlTotal, len(rep.Integrations))
	groups := 0
	for _, p := range rep.Projects {
		if strings.HasPrefix(p, "group:") {
			groups++
		}
		// html/template escapes markup, not control characters: GitLab's
		// text is made safe for a terminal (\x1b) before it is escaped.
		row := htmlRow{Project: safetext.Terminal(p), Error: safetext.Terminal(errs[p])}
		for i, slug := range rep.Integrations {
			e := entries[byKey{p, slug}]
			props := propertiesText(e)
			from := safetext.Terminal(e.InheritedFrom)
			if e.Active {
				totals[i].Active++
				if e.Inherited {
					totals[i].Inherited++
				}
			}
			switch {
			case e.Active && e.Inherited && from != "":
				row.Cells = append(row.Cells, htmlCell{"inherited", slug + " inherited from " + from + ": " + props, "⇣"})
			case e.Active && e.Inherited:
				row.Cells = append(row.Cells, htmlCell{"inherited", slug + " inherited: " + props, "⇣"})
			case e.Active:
				row.Cells = append(row.Cells, htmlCell{"on", slug + ": " + props, "✔"})
			default:
				row.Cells = append(row.Cells, htmlCell{"off", slug + ": not active", "·"})
			}
			if e.Active {
				row.Active = append(row.Active, htmlActive{slug, e.Inherited, from, props})
			}
		}
		rows = append(rows, row)
	}
	data := struct {
		*auditReport
		Rows                 []htmlRow
		Span                 int
		Totals               []htmlTotal
		Groups, ProjectCount int
	}{rep, rows, max(1, len(rep.Integrations)), totals, groups, len(rep.Projects) - groups}
	if err := auditPage.Execute(w, data); err != nil {
		return fmt.Errorf("writing the HTML page: %w", err)
	}
	return nil
}

// propertiesText writes an entry's settings as "key=value, …".
func propertiesText(e auditEntry) string {
	var parts []string
	for _, k := range sortedKeys(e.Properties) {
		if v := cell(e.Properties[k]); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	return safetext.Terminal(strings.Join(parts, ", "))
}
