package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
)

// What plan shows is what apply does: the tests below run the tool on the
// in-memory GitLab and check, for each thing apply would trip on, the exit
// code, the one-line error, and that nothing was written.

// writesOf counts the PUTs and DELETEs srv received.
func writesOf(m map[string]int) int { return m["PUT"] + m["DELETE"] + m["POST"] }

func TestPlanListsUnresolvedAndApplyRefusesThem(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api")
	e := env(srv) // SLACK_WEBHOOK is not set: a merge-request pipeline
	spec := writeSpec(t, twoProjectSpec)

	r := cli(t, e, "plan", "-f", spec)
	if r.code != exitChanges {
		t.Fatalf("plan exit %d, want 2; stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"+ project:acme/web slack (create)\n    + webhook: (secret)\n    + channel: \"#deploys\"\n    + pipeline_events: true\n    ! apply will need SLACK_WEBHOOK, not set here (integrations.yaml:6)\n",
		"    ! apply will need SLACK_WEBHOOK, not set here (integrations.yaml:12)\n",
		"\nApply will need 1 reference not resolvable here: ${env:SLACK_WEBHOOK}.\nPlan: 2 to create,",
	} {
		if !strings.Contains(r.stdout, strings.ReplaceAll(want, "integrations.yaml", spec)) {
			t.Errorf("plan text lacks %q:\n%s", want, r.stdout)
		}
	}

	// JSON: "unresolved", with reference, where and needed_by.
	r = cli(t, e, "plan", "-f", spec, "-o", "json")
	var p struct {
		Unresolved []struct {
			Reference string   `json:"reference"`
			Where     string   `json:"where"`
			NeededBy  []string `json:"needed_by"`
		} `json:"unresolved"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != exitChanges {
		t.Fatalf("plan JSON (exit %d): %v\n%s", r.code, err, r.stdout)
	}
	got := fmt.Sprint(p.Unresolved)
	want := fmt.Sprintf("[{${env:SLACK_WEBHOOK} %[1]s:6 [project:acme/web slack]} {${env:SLACK_WEBHOOK} %[1]s:12 [project:acme/api slack]}]", spec)
	if got != want {
		t.Errorf("plan JSON unresolved:\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(r.stderr, spec+":6: apply will need ${env:SLACK_WEBHOOK}; needed by project:acme/web slack") {
		t.Errorf("plan -o json says nothing of the unresolved reference on stderr: %q", r.stderr)
	}

	// apply: exit 1, a line for each place, nothing sent.
	before := methods(srv)
	r = cli(t, e, "apply", "-f", spec, "--yes")
	r.fails(t, 1, "gitlab-integrations: "+spec+":6: ${env:SLACK_WEBHOOK}: the environment variable SLACK_WEBHOOK is not set; needed by project:acme/web slack\n"+
		"gitlab-integrations: "+spec+":12: ${env:SLACK_WEBHOOK}: the environment variable SLACK_WEBHOOK is not set; needed by project:acme/api slack\n")
	if n := writesOf(methods(srv)) - writesOf(before); n != 0 {
		t.Errorf("apply with an unresolved reference sent %d writes", n)
	}
}

func TestApplyRefusesAStalePlanOnce(t *testing.T) {
	projects := make([]string, 62)
	for i := range projects {
		projects[i] = fmt.Sprintf("acme/p%02d", i)
	}
	srv := newServer(t, projects...)
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	spec := writeSpec(t, `version: 1
targets:
  - projects_in: acme
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#all"
`)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if r := cli(t, e, "plan", "-f", spec, "--out", planFile, "-q"); r.code != exitChanges {
		t.Fatalf("plan --out: exit %d %s", r.code, r.stderr)
	}
	// Someone sets Slack up on all 62 projects after the plan.
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range projects {
		if _, err := c.Slack.Set(context.Background(), integrations.Project(p), &integrations.SlackOptions{Webhook: "https://other"}); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetRequests()
	r := cli(t, e, "apply", planFile, "--yes")
	r.fails(t, 1, "the plan is stale: 62 of 62 changes changed on GitLab since it was made; first: project:acme/p00 slack: it was set up since (updated_at ")
	if !strings.HasSuffix(r.stderr, "; run plan again\n") {
		t.Errorf("stale refusal does not end with the command to run: %q", r.stderr)
	}
	m := methods(srv)
	if writesOf(m) != 0 || m["GET"] != 62 {
		t.Errorf("a stale plan: %v requests, want 62 GETs and no write", m)
	}

	// One project moved of 62 refuses the plan too.
	if r := cli(t, e, "plan", "-f", spec, "--out", planFile, "-q"); r.code != exitChanges {
		t.Fatalf("plan --out: exit %d %s", r.code, r.stderr)
	}
	time.Sleep(3 * time.Millisecond) // updated_at has milliseconds
	if _, err := c.Slack.Set(context.Background(), integrations.Project("acme/p41"), &integrations.SlackOptions{Webhook: "https://other", Channel: integrations.Ptr("#moved")}); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	r = cli(t, e, "apply", planFile, "--yes")
	r.fails(t, 1, "the plan is stale: 1 of 62 changes changed on GitLab since it was made; first: project:acme/p41 slack: updated_at was ")
	if m := methods(srv); writesOf(m) != 0 {
		t.Errorf("a stale plan sent %v", m)
	}
}

func TestPlanErrorsNameTheSpecLine(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	for _, tc := range []struct{ name, spec, want string }{
		{"missing project", `version: 1
targets:
  - project: acme/api
    integrations:
      emails-on-push: absent
  - project: acme/wbe
    integrations:
      emails-on-push: absent
`, ":6: project acme/wbe does not exist (did you mean acme/web?)"},
		{"globs", `version: 1
targets:
  - projects_in: acme
    include: ["acme/wbe/**"]
    integrations:
      emails-on-push: absent
`, `:4: include ["acme/wbe/**"] matches none of the 2 projects of acme (did you mean acme/web?); its projects: acme/api, acme/web`},
		{"missing group", `version: 1
targets:
  - projects_in: acme/platform
    integrations:
      emails-on-push: absent
`, ":3: projects_in: group acme/platform does not exist"},
		{"inherit", `version: 1
targets:
  - project: acme/web
    integrations:
      mattermost: inherit
`, `:5: mattermost: inherit, but no group above acme/web (acme) has it set up with its own settings, so GitLab would answer "Default integration not found": set it up on a group: target, or give its settings here`},
		{"active false", `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        active: false
`, ":7: slack.active: false is not a parameter: write absent to disable the integration (slack: absent)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := writeSpec(t, tc.spec)
			srv.ResetRequests()
			cli(t, e, "plan", "-f", spec).fails(t, 1, "gitlab-integrations: "+spec+tc.want)
			cli(t, e, "apply", "-f", spec, "--yes").fails(t, 1, spec+tc.want)
			if m := methods(srv); writesOf(m) != 0 {
				t.Errorf("sent %v", m)
			}
		})
	}
}

func TestSpecAcceptsActiveTrueAndOwnSettings(t *testing.T) {
	srv := newServer(t, "acme/web")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	spec := writeSpec(t, `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        active: true
        use_inherited_settings: false
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#x"
`)
	cli(t, e, "apply", "-f", spec, "--yes", "-q").ok(t)
	var body string
	for _, r := range srv.Requests() {
		if r.Method == "PUT" {
			body = string(r.Body)
		}
	}
	// active is never sent; use_inherited_settings false is, as by every create.
	if want := `{"channel":"#x","use_inherited_settings":false,"webhook":"` + sentinel + `"}`; body != want {
		t.Errorf("PUT body %s, want %s", body, want)
	}
	cli(t, e, "plan", "-f", spec).ok(t)
}
