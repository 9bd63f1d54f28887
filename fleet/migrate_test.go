package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

func migrateServer(t *testing.T, opts ...integrationstest.Option) (*integrationstest.Server, *integrations.Client) {
	t.Helper()
	srv := integrationstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddGroup("acme")
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	c, err := srv.NewClient(integrations.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func put(t *testing.T, c *integrations.Client, project, slug string, v integrations.Values) {
	t.Helper()
	d, _ := c.Integration(slug)
	if _, err := d.Set(context.Background(), integrations.Project(project), v); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateSlackMapping(t *testing.T) {
	srv, c := migrateServer(t)
	put(t, c, "acme/web", "slack", integrations.Values{"webhook": "https://hooks.slack.com/x", "username": "bot", "channel": "#d", "push_channel": "#p-${HOME}", "labels_to_be_notified": "bug", "labels_to_be_notified_behavior": "match_all", "notify_only_broken_pipelines": true, "pipeline_events": true, "push_events": false})
	if err := srv.InstallApp("acme/web", "gitlab-slack-application"); err != nil {
		t.Fatal(err)
	}
	put(t, c, "acme/api", "slack", integrations.Values{"webhook": "https://hooks.slack.com/y"})
	spec, rep, err := fleet.Migrate(context.Background(), c, fleet.MigrateSlackToSlackApp, []fleet.Target{{ProjectsIn: "acme"}}, fleet.MigrateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Targets) != 1 || spec.Targets[0].Project != "acme/web" {
		t.Fatalf("targets: %+v", spec.Targets)
	}
	in := spec.Targets[0].Integrations
	if in["slack"].State != fleet.Absent {
		t.Errorf("slack: %+v", in["slack"])
	}
	got := in["gitlab-slack-application"].Params
	for name, want := range map[string]any{"channel": "#d", "push_channel": "#p-$${HOME}", "labels_to_be_notified": "bug", "labels_to_be_notified_behavior": "match_all", "notify_only_broken_pipelines": true, "pipeline_events": true, "push_events": false} {
		if got[name] != want {
			t.Errorf("%s: %v, want %v", name, got[name], want)
		}
	}
	for _, gone := range []string{"webhook", "username"} {
		if _, ok := got[gone]; ok {
			t.Errorf("%s carried over", gone)
		}
	}
	if len(rep.NotInstalled) != 1 || rep.NotInstalled[0] != "project:acme/api" || rep.InstallSteps == "" {
		t.Errorf("not installed: %v", rep.NotInstalled)
	}
	dropped := map[string]bool{}
	for _, n := range rep.Dropped {
		dropped[n.Param] = true
	}
	if !dropped["webhook"] || !dropped["username"] {
		t.Errorf("dropped: %v", rep.Dropped)
	}

	spec, _, err = fleet.Migrate(context.Background(), c, fleet.MigrateSlackToSlackApp, []fleet.Target{{Project: "acme/web"}}, fleet.MigrateOptions{KeepSource: true})
	if err != nil || len(spec.Targets) != 1 {
		t.Fatal(err)
	}
	if _, ok := spec.Targets[0].Integrations["slack"]; ok {
		t.Error("--keep-source still writes slack")
	}
}

func TestMigrateJiraMappings(t *testing.T) {
	_, c := migrateServer(t, integrationstest.WithVersion("18.9.0"))
	put(t, c, "acme/web", "jira", integrations.Values{"url": "https://jira.example.com", "api_url": "https://api.jira.example.com", "password": "p", "username": "u", "project_key": "WEB", "project_keys": []string{"OPS", "X"}})
	put(t, c, "acme/api", "jira", integrations.Values{"url": "https://jira.example.com", "password": "p", "username": "u"})
	spec, rep, err := fleet.Migrate(context.Background(), c, fleet.MigrateJiraProjectKeys, []fleet.Target{{ProjectsIn: "acme"}}, fleet.MigrateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Targets) != 1 || spec.Targets[0].Project != "acme/web" {
		t.Fatalf("targets: %+v", spec.Targets)
	}
	p := spec.Targets[0].Integrations["jira"].Params
	keys, _ := p["project_keys"].([]string)
	if len(keys) != 3 || keys[0] != "OPS" || keys[1] != "X" || keys[2] != "WEB" || p["project_key"] != "" || p["url"] != "https://jira.example.com" || p["password"] != "${env:JIRA_PASSWORD}" {
		t.Errorf("params: %v", p)
	}
	if len(rep.Secrets) != 1 || rep.Secrets[0].Reason != "${env:JIRA_PASSWORD}" {
		t.Errorf("secrets: %v", rep.Secrets)
	}

	spec, _, err = fleet.Migrate(context.Background(), c, fleet.MigrateJiraAuth, []fleet.Target{{ProjectsIn: "acme"}}, fleet.MigrateOptions{To: 1})
	if err != nil || len(spec.Targets) != 2 {
		t.Fatalf("%v %+v", err, spec)
	}
	p = spec.Targets[0].Integrations["jira"].Params
	if p["jira_auth_type"] != 1 || p["username"] != "" || p["password"] != "${env:ACME_API_JIRA_PASSWORD}" {
		t.Errorf("jira-auth --to 1: %v", p)
	}

	_, _, err = fleet.Migrate(context.Background(), c, fleet.MigrateJiraAuth, []fleet.Target{{ProjectsIn: "acme"}}, fleet.MigrateOptions{To: 2})
	if !errors.Is(err, integrations.ErrValidation) {
		t.Errorf("--to 2 on 18.9: %v", err)
	}
	for _, bad := range []fleet.MigrateOptions{{To: 3}, {}} {
		if _, _, err := fleet.Migrate(context.Background(), c, fleet.MigrateJiraAuth, nil, bad); !errors.Is(err, integrations.ErrValidation) {
			t.Errorf("To %d: %v", bad.To, err)
		}
	}
	if _, _, err := fleet.Migrate(context.Background(), c, "slack-to-slak-app", nil, fleet.MigrateOptions{}); !errors.Is(err, integrations.ErrValidation) {
		t.Errorf("unknown name: %v", err)
	}

	// plan refuses jira_auth_type 2 on 18.9, naming the version.
	s, err := fleet.ParseSpec("s.yaml", []byte("version: 1\ntargets:\n  - project: acme/api\n    integrations:\n      jira:\n        url: https://jira.example.com\n        password: p\n        jira_auth_type: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = fleet.NewPlan(context.Background(), c, s, fleet.PlanOptions{})
	var se *fleet.SpecError
	if !errors.As(err, &se) || len(se.Problems) != 1 || se.Problems[0].Where != "s.yaml:8" {
		t.Fatalf("plan of jira_auth_type 2 on 18.9: %v", err)
	}
}

// TestMigrateJiraProjectKeysAsGitLab: project_key is where vulnerability
// issues go, so it is kept while they are on; a blank project_keys (every
// project's issues) becomes [project_key], as GitLab's own backfill did,
// and says so; a key already listed leaves the scope alone.
func TestMigrateJiraProjectKeysAsGitLab(t *testing.T) {
	srv, c := migrateServer(t)
	srv.AddProject("acme/ops")
	put(t, c, "acme/web", "jira", integrations.Values{"url": "https://jira.example.com", "password": "p", "username": "u", "project_key": "WEB", "vulnerabilities_enabled": true, "vulnerabilities_issuetype": "10001"})
	put(t, c, "acme/api", "jira", integrations.Values{"url": "https://jira.example.com", "password": "p", "username": "u", "project_key": "API", "project_keys": []string{"API"}})
	put(t, c, "acme/ops", "jira", integrations.Values{"url": "https://jira.example.com", "password": "p", "username": "u", "project_key": "OPS", "project_keys": []string{"X"}})
	spec, rep, err := fleet.Migrate(context.Background(), c, fleet.MigrateJiraProjectKeys, []fleet.Target{{ProjectsIn: "acme"}}, fleet.MigrateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, tg := range spec.Targets {
		got[tg.Project] = tg.Integrations["jira"].Params
	}
	if _, ok := got["acme/api"]; ok || len(got) != 2 {
		t.Fatalf("targets: %v", got)
	}
	if web := got["acme/web"]; fmt.Sprint(web["project_keys"]) != "[WEB]" || web["project_key"] != nil {
		t.Errorf("acme/web: %v", web)
	}
	if ops := got["acme/ops"]; fmt.Sprint(ops["project_keys"]) != "[X OPS]" || ops["project_key"] != "" {
		t.Errorf("acme/ops: %v", ops)
	}
	notes := fmt.Sprint(rep.Notes)
	for _, want := range []string{"kept: vulnerability issues are created in it", "now WEB's only, as GitLab's own backfill did", "already lists API: left alone"} {
		if !strings.Contains(notes, want) {
			t.Errorf("report lacks %q: %s", want, notes)
		}
	}
}

// TestMigrateJiraAuthAsGitLab: Jira Cloud refuses a personal access
// token, so --to 1 leaves its scopes alone; a service account (--to 2)
// takes no user name and reaches Jira through api.atlassian.com, whose
// URL the spec refers to, one name per site.
func TestMigrateJiraAuthAsGitLab(t *testing.T) {
	_, c := migrateServer(t, integrationstest.WithVersion("19.0.0-ee"))
	put(t, c, "acme/web", "jira", integrations.Values{"url": "https://acme.atlassian.net", "password": "p", "username": "bot@acme.com"})
	put(t, c, "acme/api", "jira", integrations.Values{"url": "https://jira.acme.internal", "password": "p", "username": "u"})
	spec, rep, err := fleet.Migrate(context.Background(), c, fleet.MigrateJiraAuth, []fleet.Target{{ProjectsIn: "acme"}}, fleet.MigrateOptions{To: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Targets) != 1 || spec.Targets[0].Project != "acme/api" {
		t.Fatalf("--to 1 targets: %+v", spec.Targets)
	}
	if !strings.Contains(fmt.Sprint(rep.Notes), "acme.atlassian.net is Jira Cloud") {
		t.Errorf("notes: %v", rep.Notes)
	}
	spec, rep, err = fleet.Migrate(context.Background(), c, fleet.MigrateJiraAuth, []fleet.Target{{Project: "acme/web"}}, fleet.MigrateOptions{To: 2})
	if err != nil || len(spec.Targets) != 1 {
		t.Fatalf("--to 2: %v %+v", err, spec)
	}
	p := spec.Targets[0].Integrations["jira"].Params
	if p["jira_auth_type"] != 2 || p["username"] != "" || p["api_url"] != "${env:JIRA_CLOUD_API_URL_ACME}" {
		t.Errorf("--to 2: %v", p)
	}
	if !strings.Contains(fmt.Sprint(rep.Notes), "https://api.atlassian.com/ex/jira/CLOUD_ID") {
		t.Errorf("notes: %v", rep.Notes)
	}
}

// TestMigrateSlackAppOnGroupsAndSilentEvents: the app is installed on
// groups too, and an event with no channel, which Slack posted to the
// webhook's channel, is reported: the app would post it nowhere.
func TestMigrateSlackAppOnGroupsAndSilentEvents(t *testing.T) {
	srv, c := migrateServer(t)
	d, _ := c.Integration("slack")
	if _, err := d.Set(context.Background(), integrations.Group("acme"), integrations.Values{"webhook": "https://hooks.slack.com/x", "pipeline_events": true, "pipeline_channel": "#ci", "push_events": true}); err != nil {
		t.Fatal(err)
	}
	if err := srv.InstallApp("acme", "gitlab-slack-application"); err != nil {
		t.Fatal(err)
	}
	spec, rep, err := fleet.Migrate(context.Background(), c, fleet.MigrateSlackToSlackApp, []fleet.Target{{Group: "acme"}}, fleet.MigrateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Targets) != 1 || spec.Targets[0].Group != "acme" || spec.Targets[0].Integrations["slack"].State != fleet.Absent {
		t.Fatalf("targets: %+v", spec.Targets)
	}
	notes := fmt.Sprint(rep.Notes)
	if !strings.Contains(notes, "no channel is set for push_events") || strings.Contains(notes, "pipeline_events") {
		t.Errorf("notes: %s", notes)
	}
}
