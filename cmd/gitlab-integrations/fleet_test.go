package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// planJSON is the part of a plan's JSON the issue pins.
type planJSON struct {
	Changes []struct {
		Scope       string `json:"scope"`
		Integration string `json:"integration"`
		Action      string `json:"action"`
		Fields      []struct {
			Name string `json:"name"`
			From any    `json:"from"`
			To   any    `json:"to"`
		} `json:"fields"`
	} `json:"changes"`
	Summary map[string]int `json:"summary"`
}

func writeSpec(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "integrations.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const twoProjectSpec = `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#deploys"
        pipeline_events: true
  - project: acme/api
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#api"
`

func TestPlanApply(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	spec := writeSpec(t, twoProjectSpec)

	// plan: exit 2, terraform-like text, nothing sent but reads.
	r := cli(t, e, "plan", "-f", spec)
	if r.code != exitChanges {
		t.Fatalf("plan exit %d, want 2; stderr %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "+ project:acme/web slack (create)") || !strings.Contains(r.stdout, `+ channel: "#deploys"`) ||
		!strings.HasSuffix(r.stdout, "Plan: 2 to create, 0 to update, 0 to disable, 0 to inherit, 0 unchanged.\n") {
		t.Errorf("plan text:\n%s", r.stdout)
	}
	if methods(srv)["PUT"] != 0 {
		t.Fatalf("plan sent a PUT")
	}

	// JSON: per change scope, integration, action and fields (name, from, to).
	r = cli(t, e, "plan", "-f", spec, "-o", "json")
	var p planJSON
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != exitChanges {
		t.Fatalf("plan JSON (exit %d): %v\n%s", r.code, err, r.stdout)
	}
	// Changes come ordered by scope.
	if len(p.Changes) != 2 || p.Changes[1].Scope != "project:acme/web" || p.Changes[1].Integration != "slack" || p.Changes[1].Action != "create" ||
		p.Changes[0].Scope != "project:acme/api" {
		t.Fatalf("plan JSON changes: %+v", p.Changes)
	}
	fields := map[string]any{}
	for _, f := range p.Changes[1].Fields {
		fields[f.Name] = f.To
		if f.From != nil {
			t.Errorf("field %s of a create comes from %v", f.Name, f.From)
		}
	}
	if fields["channel"] != "#deploys" || fields["webhook"] != "(secret)" || fields["pipeline_events"] != true {
		t.Errorf("plan JSON fields: %v", fields)
	}
	if p.Summary["create"] != 2 {
		t.Errorf("plan JSON summary: %v", p.Summary)
	}
	rows := decodeCSV(t, cli(t, e, "plan", "-f", spec, "-o", "csv").stdout)
	if strings.Join(rows[0], ",") != "SCOPE,INTEGRATION,ACTION,FIELD,FROM,TO" || len(rows) < 5 {
		t.Errorf("plan CSV: %v", rows)
	}
	y := decodeYAML[map[string]any](t, cli(t, e, "plan", "-f", spec, "-o", "yaml").stdout)
	if len(y["changes"].([]any)) != 2 {
		t.Errorf("plan YAML: %v", y)
	}

	// apply without --yes and no terminal: the plan, then a refusal.
	r = cli(t, e, "apply", "-f", spec)
	r.fails(t, 1, "refusing to apply without --yes: standard input is not a terminal")
	if !strings.Contains(r.stdout, "Plan: 2 to create") || methods(srv)["PUT"] != 0 {
		t.Fatalf("apply without --yes: stdout %q, %d PUT", r.stdout, methods(srv)["PUT"])
	}

	// apply --yes: done; a plan after it has no changes.
	res := decodeJSON[[]resultView](t, cli(t, e, "apply", "-f", spec, "--yes", "-o", "json", "-q").ok(t).stdout)
	if len(res) != 2 || res[0].Action != "create" || res[0].Error != "" {
		t.Errorf("apply results: %+v", res)
	}
	if n := methods(srv)["PUT"]; n != 2 {
		t.Errorf("apply sent %d PUT, want 2", n)
	}
	r = cli(t, e, "plan", "-f", spec).ok(t)
	if !strings.HasPrefix(r.stdout, "No changes") {
		t.Errorf("plan after apply:\n%s", r.stdout)
	}
	r = cli(t, e, "apply", "-f", spec, "--yes").ok(t)
	if r.stdout != "" || r.stderr != "No changes: GitLab matches the spec.\n" {
		t.Errorf("apply with nothing to do: %q, %q", r.stdout, r.stderr)
	}
}

func TestSavedPlanAndPartialFailure(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	// GitLab refuses to create the Slack app's integration through the
	// API (422): one change of the three fails at apply.
	spec := writeSpec(t, twoProjectSpec+`      gitlab-slack-application:
        channel: "#app"
`)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	r := cli(t, e, "plan", "-f", spec, "--out", planFile, "-q")
	if r.code != exitChanges {
		t.Fatalf("plan --out: exit %d %s", r.code, r.stderr)
	}
	saved, err := os.ReadFile(planFile)
	if err != nil || strings.Contains(string(saved), sentinel) {
		t.Fatalf("saved plan: %v (or it holds the secret)", err)
	}

	// One change fails, the others are applied, exit 3.
	r = cli(t, e, "apply", planFile, "--yes", "--concurrency", "1", "-o", "json")
	if r.code != exitPartial || !strings.Contains(r.stderr, "1 of 3 changes failed") {
		t.Fatalf("apply with a failure: exit %d, stderr %q", r.code, r.stderr)
	}
	res := decodeJSON[[]resultView](t, r.stdout)
	failed := 0
	for _, x := range res {
		if x.Error != "" {
			failed++
		}
	}
	if len(res) != 3 || failed != 1 {
		t.Errorf("apply results: %+v", res)
	}
	// What is left plans as one change.
	r = cli(t, e, "plan", "-f", spec, "-o", "json")
	var p planJSON
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || p.Summary["create"] != 1 {
		t.Errorf("plan after a partial apply: %v %v", err, p.Summary)
	}
	cli(t, e, "apply", "--yes").fails(t, 1, "apply takes a spec (-f SPEC) or a saved plan (PLANFILE), one of them")
	cli(t, e, "plan", "-f", writeSpec(t, "version: 2\n")).fails(t, 1, "integrations.yaml:1")
}

// export writes a spec that plan reads back as having no changes.
func TestExportRoundTrip(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	cli(t, e, "apply", "-f", writeSpec(t, twoProjectSpec), "--yes", "-q").ok(t)

	r := cli(t, e, "export", "--project", "acme/web", "--project", "acme/api").ok(t)
	spec := decodeYAML[map[string]any](t, r.stdout)
	targets, _ := spec["targets"].([]any)
	if spec["version"] != 1 || len(targets) != 2 {
		t.Fatalf("export:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "channel: '#deploys'") && !strings.Contains(r.stdout, `channel: "#deploys"`) {
		t.Errorf("export lacks the channel:\n%s", r.stdout)
	}
	// The secret is a reference to fill; give it and the spec plans clean.
	refs := regexp.MustCompile(`\$\{env:([A-Z0-9_]+)\}`).FindAllStringSubmatch(r.stdout, -1)
	if len(refs) == 0 {
		t.Fatalf("export has no reference for the webhook:\n%s", r.stdout)
	}
	for _, m := range refs {
		e = append(e, m[1]+"="+sentinel)
	}
	p := cli(t, e, "plan", "-f", writeSpec(t, r.stdout)).ok(t)
	if !strings.HasPrefix(p.stdout, "No changes") {
		t.Errorf("plan of the export:\n%s", p.stdout)
	}
	cli(t, e, "export", "--project", "acme/web", "-o", "json").fails(t, 1, "--output json: this command prints yaml")
}
