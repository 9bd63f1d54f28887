package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

// inheritTree starts a GitLab whose propagation takes delay, with the tree
// acme ⊃ {web, docs, platform ⊃ {api, db}}: Slack on acme, acme/web with
// its own channel, acme/platform with settings of its own that api and db
// inherit, acme/docs inheriting acme's.
func inheritTree(t *testing.T, delay time.Duration) (*integrationstest.Server, []string) {
	t.Helper()
	srv := integrationstest.NewServer(integrationstest.WithPropagationDelay(delay))
	t.Cleanup(srv.Close)
	for _, p := range []string{"acme/web", "acme/docs", "acme/platform/api", "acme/platform/db"} {
		srv.AddProject(p)
	}
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	cli(t, e, "set", "slack", "--group", "acme", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#acme").ok(t)
	srv.FinishPropagation()
	cli(t, e, "set", "slack", "--project", "acme/web", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#web", "pipeline_events=true", "use_inherited_settings=false").ok(t)
	cli(t, e, "set", "slack", "--group", "acme/platform", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#platform", "use_inherited_settings=false").ok(t)
	srv.FinishPropagation()
	return srv, e
}

func TestAuditTreeWithInheritance(t *testing.T) {
	srv, e := inheritTree(t, time.Hour)
	r := cli(t, e, "audit", "--projects-in", "acme", "-o", "json")
	skipWithoutProjects(t, r)
	entries := decodeJSON[[]auditEntry](t, r.ok(t).stdout)
	got := map[string]auditEntry{}
	var order []string
	for _, en := range entries {
		got[en.Scope] = en
		order = append(order, en.Scope)
	}
	want := []string{"group:acme", "group:acme/platform", "project:acme/docs", "project:acme/platform/api", "project:acme/platform/db", "project:acme/web"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Fatalf("audit scopes %v, want %v", order, want)
	}
	for scope, from := range map[string]string{"group:acme": "", "group:acme/platform": "", "project:acme/docs": "group:acme",
		"project:acme/platform/api": "group:acme/platform", "project:acme/platform/db": "group:acme/platform", "project:acme/web": ""} {
		if en := got[scope]; en.InheritedFrom != from || en.Inherited != (from != "") || !en.Active {
			t.Errorf("%s: inherited %v from %q, want from %q", scope, en.Inherited, en.InheritedFrom, from)
		}
	}
	if en := got["project:acme/web"]; !en.Events["pipeline_events"] || en.Properties["channel"] != "#web" || got["project:acme/docs"].Events["pipeline_events"] {
		t.Errorf("event flags: web %v, docs %v", en.Events, got["project:acme/docs"].Events)
	}
	yml := cli(t, e, "audit", "--projects-in", "acme", "-o", "yaml").ok(t).stdout
	if !strings.Contains(yml, "inherited_from: group:acme/platform") || !strings.Contains(yml, "pipeline_events: true") {
		t.Errorf("audit YAML:\n%s", yml)
	}

	// The group changes; GitLab has not copied it yet: what inherits still
	// shows the old channel, until the workers have run.
	cli(t, e, "set", "slack", "--group", "acme", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#acme-2").ok(t)
	rows := decodeCSV(t, cli(t, e, "audit", "--projects-in", "acme", "-o", "csv").ok(t).stdout)
	channel := func(rows [][]string, scope string) string {
		col := -1
		for i, h := range rows[0] {
			if h == "channel" {
				col = i
			}
		}
		for _, r := range rows[1:] {
			if r[0] == scope && col >= 0 {
				return r[col]
			}
		}
		return "(no row)"
	}
	if got := channel(rows, "project:acme/docs"); got != "#acme" {
		t.Errorf("before propagation, acme/docs shows %q", got)
	}
	srv.FinishPropagation()
	rows = decodeCSV(t, cli(t, e, "audit", "--projects-in", "acme", "-o", "csv").ok(t).stdout)
	if got := channel(rows, "project:acme/docs"); got != "#acme-2" {
		t.Errorf("after propagation, acme/docs shows %q", got)
	}

	page := cli(t, e, "audit", "--projects-in", "acme", "-o", "html").ok(t).stdout
	for _, want := range []string{`title="slack inherited from group:acme/platform: `, `<td class="project">group:acme/platform</td>`, `<td class="total">6 (3)</td>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML page lacks %s", want)
		}
	}

	// --active-only leaves out what is not on.
	cli(t, e, "disable", "slack", "--project", "acme/platform/db", "-q").ok(t)
	active := decodeJSON[[]auditEntry](t, cli(t, e, "audit", "--projects-in", "acme", "--active-only", "-o", "json").ok(t).stdout)
	if len(active) != 5 {
		t.Errorf("audit --active-only: %+v", active)
	}
}

func TestOverridesCommand(t *testing.T) {
	_, e := inheritTree(t, time.Hour)
	r := cli(t, e, "overrides", "--group", "acme", "-o", "json")
	skipWithoutProjects(t, r)
	rep := decodeJSON[fleet.OverridesReport](t, r.ok(t).stdout)
	if len(rep.Integrations) != 1 || rep.Integrations[0].Integration != "slack" || strings.Join(rep.Integrations[0].Groups, " ") != "group:acme group:acme/platform" {
		t.Fatalf("overrides: %+v", rep)
	}
	got := map[string]fleet.Override{}
	for _, o := range rep.Integrations[0].Overrides {
		got[scopeText(o.Scope)] = o
	}
	if len(got) != 2 {
		t.Fatalf("overrides %+v, want acme/web and acme/platform", rep.Integrations[0].Overrides)
	}
	web := got["project:acme/web"]
	if web.WouldInheritFrom != "group:acme" || len(web.Differences) != 2 || web.Differences[1] != (fleet.Difference{Field: "channel", Own: "#web", Inherited: "#acme"}) {
		t.Errorf("acme/web: %+v", web)
	}
	if p := got["group:acme/platform"]; p.WouldInheritFrom != "group:acme" || len(p.Differences) != 1 {
		t.Errorf("acme/platform: %+v", p)
	}

	table := cli(t, e, "overrides", "--group", "acme").ok(t).stdout
	if !strings.Contains(table, "project:acme/web") || !strings.Contains(table, "pipeline_events") || !strings.Contains(table, "#platform") {
		t.Errorf("overrides table:\n%s", table)
	}
	rows := decodeCSV(t, cli(t, e, "overrides", "--group", "acme", "--integration", "slack", "-o", "csv").ok(t).stdout)
	if len(rows) != 4 || strings.Join(rows[0], ",") != "integration,scope,active,would_inherit_from,field,own,inherited" {
		t.Errorf("overrides CSV: %v", rows)
	}
	page := cli(t, e, "overrides", "--group", "acme", "-o", "html").ok(t).stdout
	if !strings.Contains(page, "<td>project:acme/web</td>") || strings.Contains(page, "<script") {
		t.Errorf("overrides HTML:\n%s", page)
	}
	yml := decodeYAML[fleet.OverridesReport](t, cli(t, e, "overrides", "--group", "acme", "-o", "yaml").ok(t).stdout)
	if len(yml.Integrations) != 1 {
		t.Errorf("overrides YAML: %+v", yml)
	}
	cli(t, e, "overrides").fails(t, 1, `required flag(s) "group" not set`)
}

func TestApplyWait(t *testing.T) {
	spec := writeSpec(t, `version: 1
targets:
  - group: acme
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#acme-3"
`)
	// The workers never run in time: exit 4, naming what did not follow.
	_, e := inheritTree(t, time.Hour)
	r := cli(t, e, "apply", "-f", spec, "--yes", "--wait", "--wait-timeout", "300ms", "--wait-interval", "50ms")
	skipWithoutProjects(t, r)
	if r.code != exitNotPropagated || !strings.Contains(r.stderr, "not propagated: project:acme/docs slack (from group:acme): channel is #acme, the group's #acme-3") ||
		!strings.Contains(r.stderr, "1 of 1 descendants did not show their group's settings within 300ms") {
		t.Errorf("apply --wait, never propagated: exit %d\n%s", r.code, r.stderr)
	}

	// They run after 400ms: apply waits for them and exits 0.
	_, e = inheritTree(t, 400*time.Millisecond)
	time.Sleep(500 * time.Millisecond) // the tree's own copies are done
	r = cli(t, e, "apply", "-f", spec, "--yes", "--wait", "--wait-timeout", "30s", "--wait-interval", "50ms")
	if r.code != 0 || !strings.Contains(r.stderr, "Propagated to 1 descendants (1 with settings of their own left alone).") {
		t.Errorf("apply --wait: exit %d\n%s", r.code, r.stderr)
	}
	after := decodeJSON[[]auditEntry](t, cli(t, e, "audit", "--project", "acme/docs", "-o", "json").ok(t).stdout)
	if len(after) != 1 || after[0].Properties["channel"] != "#acme-3" {
		t.Errorf("after apply --wait: %+v", after)
	}
}
