package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// seed sets up an integration on a project through the API, as a user did.
func seed(t *testing.T, srv *integrationstest.Server, project, slug string, v integrations.Values) {
	t.Helper()
	c, err := srv.NewClient(integrations.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Integration(slug)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Set(context.Background(), integrations.Project(project), v); err != nil {
		t.Fatalf("seed %s %s: %v", project, slug, err)
	}
}

// planChanges runs plan -o json and returns "scope slug action" per
// change that is not a no-op, sorted, with the exit code.
func planChanges(t *testing.T, e []string, spec string, flags ...string) ([]string, int, planJSON) {
	t.Helper()
	r := cli(t, e, append([]string{"plan", "-f", spec, "-o", "json"}, flags...)...)
	var p planJSON
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("plan JSON (exit %d): %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	var out []string
	for _, ch := range p.Changes {
		if ch.Action != "no-op" {
			out = append(out, ch.Scope+" "+ch.Integration+" "+ch.Action)
		}
	}
	sort.Strings(out)
	return out, r.code, p
}

func TestMigrateEndToEnd(t *testing.T) {
	slackApp := integrations.Values{"webhook": "https://hooks.slack.com/services/A/B/C", "channel": "#deploys", "pipeline_events": true, "branches_to_be_notified": "all", "labels_to_be_notified": "bug,ops", "push_channel": "#push-${x}"}
	for _, tc := range []struct {
		name    string
		args    []string
		version string
		opts    []integrationstest.Option
		setup   func(t *testing.T, srv *integrationstest.Server)
		envs    []string
		want    []string
		missing bool // the Slack app is missing somewhere: stderr lists it
	}{
		{
			name: "slack-to-slack-app",
			setup: func(t *testing.T, srv *integrationstest.Server) {
				for _, p := range []string{"acme/web", "acme/api", "acme/ops"} {
					seed(t, srv, p, "slack", slackApp)
				}
				for _, p := range []string{"acme/web", "acme/api"} {
					if err := srv.InstallApp(p, "gitlab-slack-application"); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: []string{
				"project:acme/api gitlab-slack-application update", "project:acme/api slack disable",
				"project:acme/web gitlab-slack-application update", "project:acme/web slack disable",
			},
			missing: true,
		},
		{
			name:    "slack-slash-commands-to-slack-app",
			version: "18.11.0-ee",
			opts:    []integrationstest.Option{integrationstest.WithRemovedIntegrations()},
			setup: func(t *testing.T, srv *integrationstest.Server) {
				for _, p := range []string{"acme/web", "acme/api"} {
					seed(t, srv, p, "slack-slash-commands", integrations.Values{"token": "tok-123"})
				}
				if err := srv.InstallApp("acme/web", "gitlab-slack-application"); err != nil {
					t.Fatal(err)
				}
			},
			want:    []string{"project:acme/web slack-slash-commands disable"},
			missing: true,
		},
		{
			name: "jira-project-keys",
			setup: func(t *testing.T, srv *integrationstest.Server) {
				seed(t, srv, "acme/web", "jira", integrations.Values{"url": "https://jira.example.com", "password": "p", "username": "u", "project_key": "WEB"})
				seed(t, srv, "acme/api", "jira", integrations.Values{"url": "https://jira.example.com", "password": "p", "username": "u", "project_keys": []string{"API"}})
			},
			envs: []string{"JIRA_PASSWORD=tok"},
			want: []string{"project:acme/web jira update"},
		},
		{
			name:    "jira-auth",
			args:    []string{"--to", "2"},
			version: "19.0.0-ee",
			setup: func(t *testing.T, srv *integrationstest.Server) {
				seed(t, srv, "acme/web", "jira", integrations.Values{"url": "https://jira.example.com", "password": "p", "username": "bot@example.com"})
				seed(t, srv, "acme/api", "jira", integrations.Values{"url": "https://jira.example.com", "password": "p", "username": "u", "jira_auth_type": 1})
			},
			envs: []string{"JIRA_PASSWORD=tok", "JIRA_CLOUD_API_URL=https://api.atlassian.com/ex/jira/0f6a-cloud-id"},
			want: []string{"project:acme/web jira update"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := integrationstest.NewServer(append(tc.opts, integrationstest.WithVersion(tc.version))...)
			t.Cleanup(srv.Close)
			srv.AddGroup("acme")
			for _, p := range []string{"acme/web", "acme/api", "acme/ops", "acme/idle"} {
				srv.AddProject(p)
			}
			tc.setup(t, srv)
			e := env(srv)
			spec := filepath.Join(t.TempDir(), "migrate.yaml")
			before := methods(srv)
			r := cli(t, e, append([]string{"migrate", tc.name, "--projects-in", "acme", "--out", spec}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("migrate exit %d: %s", r.code, r.stderr)
			}
			if m := methods(srv); m["PUT"] != before["PUT"] || m["DELETE"] != before["DELETE"] {
				t.Fatal("migrate changed something")
			}
			if tc.missing != strings.Contains(r.stderr, "not installed") || (tc.missing && !strings.Contains(r.stderr, "Install GitLab for Slack app")) {
				t.Errorf("report:\n%s", r.stderr)
			}
			text, _ := os.ReadFile(spec)
			if strings.Contains(string(text), "acme/ops") || strings.Contains(string(text), "acme/idle") {
				t.Errorf("spec touches a scope it must leave alone:\n%s", text)
			}
			got, code, p := planChanges(t, append(e, tc.envs...), spec)
			if code != exitChanges || strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("plan exit %d changes:\n%s\nwant:\n%s\nspec:\n%s", code, strings.Join(got, "\n"), strings.Join(tc.want, "\n"), text)
			}
			if tc.name == "slack-to-slack-app" {
				fields := map[string]any{}
				for _, ch := range p.Changes {
					if ch.Scope == "project:acme/web" && ch.Integration == "gitlab-slack-application" {
						for _, f := range ch.Fields {
							fields[f.Name] = f.To
						}
					}
				}
				if fields["channel"] != "#deploys" || fields["push_channel"] != "#push-$${x}" || fields["labels_to_be_notified"] != "bug,ops" {
					t.Errorf("carried fields: %v", fields)
				}
			}
			if r := cli(t, append(e, tc.envs...), "apply", "-f", spec, "--yes"); r.code != 0 {
				t.Fatalf("apply exit %d: %s", r.code, r.stderr)
			}
			if got, code, _ := planChanges(t, append(e, tc.envs...), spec); code != 0 || len(got) != 0 {
				t.Fatalf("second plan exit %d: %v", code, got)
			}
		})
	}
}

// TestMigrateTeamsMapping: the spec refers to one mapping file per scope,
// which migrate creates empty, and plan refuses the spec until each is
// filled.
func TestMigrateTeamsMapping(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api", "acme/idle")
	seed(t, srv, "acme/web", "microsoft-teams", integrations.Values{"webhook": "https://outlook.office.com/webhook/x", "pipeline_events": true, "branches_to_be_notified": "protected"})
	seed(t, srv, "acme/api", "microsoft-teams", integrations.Values{"webhook": "https://outlook.office.com/webhook/y", "push_events": false})
	e := env(srv)
	dir := t.TempDir()
	hooks := filepath.Join(dir, "hooks")
	spec := filepath.Join(dir, "teams.yaml")
	r := cli(t, e, "migrate", "teams-connector-to-workflows", "--projects-in", "acme", "--webhooks", hooks, "--out", spec)
	if r.code != 0 {
		t.Fatalf("migrate exit %d: %s", r.code, r.stderr)
	}
	text, _ := os.ReadFile(spec)
	for _, want := range []string{"${file:" + hooks + "/ACME_WEB_MICROSOFT_TEAMS_WEBHOOK}", "${file:" + hooks + "/ACME_API_MICROSOFT_TEAMS_WEBHOOK}", "branches_to_be_notified: protected", "push_events: false"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("spec lacks %q:\n%s", want, text)
		}
	}
	r = cli(t, e, "plan", "-f", spec)
	if r.code != 1 || !strings.Contains(r.stderr, "ACME_WEB_MICROSOFT_TEAMS_WEBHOOK} is empty") {
		t.Fatalf("plan with an empty mapping: exit %d\n%s", r.code, r.stderr)
	}
	for _, n := range []string{"ACME_WEB", "ACME_API"} {
		if err := os.WriteFile(filepath.Join(hooks, n+"_MICROSOFT_TEAMS_WEBHOOK"), []byte("https://prod.workflows.example/"+n+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// GitLab never reports the connector's webhook, so only the spec's
	// !new mark makes the plan send the Workflows one; the state file
	// records it, and the second plan is clean.
	if !strings.Contains(string(text), "webhook: !new ${file:") {
		t.Errorf("the webhook is not marked new:\n%s", text)
	}
	state := filepath.Join(dir, "state.json")
	e = append(e, "GITLAB_INTEGRATIONS_STATE_KEY=a key of thirty-two bytes ......")
	r = cli(t, e, "plan", "-f", spec, "--state", state)
	if r.code != exitChanges || !strings.Contains(r.stdout, "webhook: (new secret)") || strings.Contains(r.stdout, "prod.workflows.example") {
		t.Fatalf("plan with the mapping filled: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := strings.Count(r.stdout, "microsoft-teams (update)"); got != 2 {
		t.Errorf("%d updates planned, want the 2 projects with Teams:\n%s", got, r.stdout)
	}
	srv.ResetRequests()
	if r := cli(t, e, "apply", "-f", spec, "--state", state, "--yes"); r.code != 0 {
		t.Fatalf("apply exit %d: %s", r.code, r.stderr)
	}
	sent := map[string]string{}
	for _, q := range srv.Requests() {
		if q.Method == "PUT" {
			sent[q.Path] = string(q.Body)
		}
	}
	for path, n := range map[string]string{"/api/v4/projects/acme%2Fweb/integrations/microsoft-teams": "ACME_WEB", "/api/v4/projects/acme%2Fapi/integrations/microsoft-teams": "ACME_API"} {
		if !strings.Contains(sent[path], `"webhook":"https://prod.workflows.example/`+n+`"`) {
			t.Errorf("%s: sent %q", path, sent[path])
		}
	}
	if got, code, _ := planChanges(t, e, spec, "--state", state); code != 0 || len(got) != 0 {
		t.Fatalf("second plan exit %d: %v", code, got)
	}
}

func TestMigrateUnknownName(t *testing.T) {
	srv := newServer(t, "acme/web")
	for _, args := range [][]string{{"migrate"}, {"migrate", "slack-to-slak-app", "--project", "acme/web"}, {"migrate", "jira-auth", "--to", "3", "--project", "acme/web"}} {
		r := cli(t, env(srv), args...)
		if r.code != 1 || !strings.Contains(r.stderr, "jira-auth") {
			t.Errorf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	if m := methods(srv); m["PUT"]+m["DELETE"] != 0 {
		t.Error("a refused migrate sent a change")
	}
}

// TestMigrateSlashCommandsOn19: GitLab 19.0 removed slash commands, so
// migrate says there is nothing left, exits 0 and writes no spec.
func TestMigrateSlashCommandsOn19(t *testing.T) {
	srv := newServer(t, "acme/web")
	e := env(srv)
	spec := filepath.Join(t.TempDir(), "s.yaml")
	r := cli(t, e, "migrate", "slack-slash-commands-to-slack-app", "--projects-in", "acme", "--out", spec)
	if r.code != 0 || !strings.Contains(r.stderr, "removed in GitLab 19.0") {
		t.Fatalf("migrate exit %d:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(spec); !os.IsNotExist(err) || !strings.Contains(r.stderr, "nothing to migrate") {
		t.Fatalf("a spec was written (%v):\n%s", err, r.stderr)
	}
}
