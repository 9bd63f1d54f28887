package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations/integrationstest"
)

// mrPipeline is the environment GitLab CI gives a merge request job on
// srv: CI_SERVER_URL (no GITLAB_URL), the project's ID, the merge request,
// the job's URL; the token is the one the user put in GITLAB_TOKEN.
func mrPipeline(srv *integrationstest.Server, projectID, iid int64) []string {
	addSecret(srv.Token())
	return []string{
		"GITLAB_TOKEN=" + srv.Token(),
		"CI_SERVER_URL=" + srv.URL(),
		"CI_PROJECT_ID=" + strconv.FormatInt(projectID, 10),
		"CI_MERGE_REQUEST_IID=" + strconv.FormatInt(iid, 10),
		"CI_PIPELINE_SOURCE=merge_request_event",
		"CI_JOB_URL=https://gitlab.example.com/acme/infra/-/jobs/4242",
	}
}

func TestPlanPostsThenUpdatesItsNote(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api", "acme/infra")
	infra := srv.AddProject("acme/infra")
	iid := srv.AddMergeRequest("acme/infra")
	spec := writeSpec(t, twoProjectSpec)
	marker := "<!-- gitlab-integrations:plan " + spec + " -->"
	// A reviewer's comment, and a reviewer quoting the tool's marker: both
	// are someone else's, left as they are.
	review := srv.AddMergeRequestNote("acme/infra", iid, "reviewer", "Please check the channel names.")
	quoted := srv.AddMergeRequestNote("acme/infra", iid, "reviewer", marker+"\nquoted from the last run")
	e := append(mrPipeline(srv, infra, iid), "SLACK_WEBHOOK="+sentinel)
	planFile := filepath.Join(t.TempDir(), "plan.json")

	r := cli(t, e, "plan", "-f", spec, "--out", planFile, "--mr-note")
	if r.code != exitChanges {
		t.Fatalf("plan --mr-note: exit %d, want 2; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "Plan: 2 to create") {
		t.Errorf("stdout is not the text plan:\n%s", r.stdout)
	}
	notes := srv.MergeRequestNotes("acme/infra", iid)
	if len(notes) != 3 {
		t.Fatalf("%d notes after the first run, want 3: %+v", len(notes), notes)
	}
	ours := notes[2]
	if ours.Author.Username != "maintainer" || !strings.HasPrefix(ours.Body, marker+"\n**Plan:** 2 to create, 0 to update") {
		t.Errorf("the note posted:\n%s", ours.Body)
	}
	if !strings.Contains(ours.Body, "`\"#api\"`") || strings.Contains(ours.Body, sentinel) || !strings.Contains(ours.Body, "`(secret)`") {
		t.Errorf("the note's changes (or a secret in it):\n%s", ours.Body)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("Posted the plan as note %d on merge request !%d of project %d", ours.ID, iid, infra)) {
		t.Errorf("stderr does not say where the note went: %s", r.stderr)
	}

	// A second push changes the spec: the same note is updated.
	spec2 := strings.Replace(twoProjectSpec, `"#api"`, `"#api-alerts"`, 1)
	writeSpecAt(t, spec, spec2)
	r = cli(t, e, "plan", "-f", spec, "--mr-note")
	if r.code != exitChanges {
		t.Fatalf("second plan --mr-note: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	notes = srv.MergeRequestNotes("acme/infra", iid)
	if len(notes) != 3 {
		t.Fatalf("%d notes after the second run, want 3 (updated, not added)", len(notes))
	}
	if notes[2].ID != ours.ID || !strings.Contains(notes[2].Body, "#api-alerts") || strings.Contains(notes[2].Body, `"#api"`) {
		t.Errorf("the note was not updated in place:\n%s", notes[2].Body)
	}
	if notes[0].ID != review || notes[0].Body != "Please check the channel names." ||
		notes[1].ID != quoted || notes[1].Body != marker+"\nquoted from the last run" {
		t.Errorf("other users' notes were changed: %+v", notes[:2])
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("Updated the plan's note %d", ours.ID)) {
		t.Errorf("stderr: %s", r.stderr)
	}

	// Once applied, the note says so; the exit code is plan's own, 0.
	cli(t, e, "apply", "-f", spec, "--yes", "--url", srv.URL()).ok(t)
	r = cli(t, e, "plan", "-f", spec, "--mr-note", "-q")
	if r.code != 0 {
		t.Fatalf("plan after apply: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	notes = srv.MergeRequestNotes("acme/infra", iid)
	if len(notes) != 3 || !strings.HasPrefix(notes[2].Body, marker+"\n**No changes:**") {
		t.Errorf("after apply: %d notes, ours:\n%s", len(notes), notes[len(notes)-1].Body)
	}
	// Nothing new: the note is left as it is, not edited again.
	srv.ResetRequests()
	r = cli(t, e, "plan", "-f", spec, "--mr-note")
	if r.code != 0 || methods(srv)["PUT"] != 0 || methods(srv)["POST"] != 0 || !strings.Contains(r.stderr, "is up to date") {
		t.Errorf("plan with nothing new: exit %d, requests %v, stderr %s", r.code, methods(srv), r.stderr)
	}
	if again := srv.MergeRequestNotes("acme/infra", iid); len(again) != 3 || !again[2].UpdatedAt.Equal(notes[2].UpdatedAt) {
		t.Errorf("the note was edited with nothing new: %+v", again)
	}
	for _, n := range notes {
		if strings.Contains(n.Body, sentinel) || strings.Contains(n.Body, srv.Token()) {
			t.Errorf("a note holds a secret:\n%s", n.Body)
		}
	}
}

// writeSpecAt rewrites the spec at path, as a push changes it.
func writeSpecAt(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestPlanNoteWithoutTheSecrets(t *testing.T) {
	// The merge request job has no secrets: the note lists what apply will
	// need, and plan still exits 2.
	srv := newServer(t, "acme/web", "acme/api", "acme/infra")
	iid := srv.AddMergeRequest("acme/infra")
	spec := writeSpec(t, twoProjectSpec)
	e := append(mrPipeline(srv, srv.AddProject("acme/infra"), iid), "CI_PROJECT_ID=acme/infra")
	r := cli(t, e, "plan", "-f", spec, "--mr-note", "-o", "markdown")
	if r.code != exitChanges {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	notes := srv.MergeRequestNotes("acme/infra", iid)
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "### Apply will need") || !strings.Contains(notes[0].Body, "`${env:SLACK_WEBHOOK}`") {
		t.Fatalf("the note:\n%+v", notes)
	}
	// -o markdown prints the same Markdown, without the marker.
	if !strings.HasPrefix(r.stdout, "**Plan:** 2 to create") || strings.TrimPrefix(notes[0].Body, noteMarker(spec)+"\n") != r.stdout {
		t.Errorf("stdout is not the note's Markdown:\n%s", r.stdout)
	}
}

func TestPlanNoteFailures(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api", "acme/infra")
	infra := srv.AddProject("acme/infra")
	iid := srv.AddMergeRequest("acme/infra")
	spec := writeSpec(t, twoProjectSpec)
	e := mrPipeline(srv, infra, iid)

	// No merge request in the environment: refused before anything is sent.
	srv.ResetRequests()
	cli(t, e[:3], "plan", "-f", spec, "--mr-note").fails(t, 1, "--mr-note needs the merge request: --mr-iid N or CI_MERGE_REQUEST_IID")
	cli(t, append(e[:2:2], "CI_MERGE_REQUEST_IID=7"), "plan", "-f", spec, "--mr-note").fails(t, 1, "--mr-note needs the merge request's project: --mr-project PATH or CI_PROJECT_ID")
	cli(t, append(e, "CI_MERGE_REQUEST_IID=seven"), "plan", "-f", spec, "--mr-note").fails(t, 1, `CI_MERGE_REQUEST_IID "seven" is not a merge request number`)
	cli(t, env(srv), "plan", "-f", spec, "--mr-iid", "3").fails(t, 1, "--mr-project and --mr-iid go with --mr-note")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for refused command lines", n)
	}

	// A merge request that does not exist: the plan is printed, the post
	// fails, exit 1 with what failed.
	r := cli(t, e, "plan", "-f", spec, "--mr-note", "--mr-iid", "99")
	r.fails(t, 1, fmt.Sprintf("posting the plan: reading the notes of merge request !99 of project %d", infra))
	if !strings.Contains(r.stderr, "404") || !strings.Contains(r.stdout, "Plan: 2 to create") {
		t.Errorf("stderr %q, stdout %q", r.stderr, r.stdout)
	}
	// A token that cannot see the project.
	bad := append(e, "GITLAB_TOKEN=glpat-not-a-token")
	cli(t, bad, "plan", "-f", spec, "--mr-note", "--mr-project", "acme/infra").fails(t, 1, "401")
	if got := srv.MergeRequestNotes("acme/infra", iid); len(got) != 0 {
		t.Errorf("notes posted by failed runs: %+v", got)
	}
}

func TestNoteMarkerCannotEndItsComment(t *testing.T) {
	for spec, want := range map[string]string{
		"integrations.yaml":         "<!-- gitlab-integrations:plan integrations.yaml -->",
		"infra/fleet-a.yaml":        "<!-- gitlab-integrations:plan infra/fleet-a.yaml -->",
		"x-->y\n<b>--!>.yaml":       "<!-- gitlab-integrations:plan x-%2D%3Ey%0A%3Cb%3E-%2D!%3E.yaml -->",
		"spéc 100%.yaml":            "<!-- gitlab-integrations:plan sp%C3%A9c 100%25.yaml -->",
		"a\u202eb.yaml":             "<!-- gitlab-integrations:plan a%E2%80%AEb.yaml -->",
		"---":                       "<!-- gitlab-integrations:plan -%2D%2D -->",
		"integrations.yaml -->@all": "<!-- gitlab-integrations:plan integrations.yaml -%2D%3E@all -->",
	} {
		got := noteMarker(spec)
		if got != want {
			t.Errorf("noteMarker(%q) = %q, want %q", spec, got, want)
		}
		if strings.Count(got, "--") != 2 || strings.Count(got, ">") != 1 {
			t.Errorf("noteMarker(%q) = %q can end the comment early", spec, got)
		}
	}
}

func TestArtifactURL(t *testing.T) {
	getenv := func(v string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			if k == "CI_JOB_URL" && v != "" {
				return v, true
			}
			return "", false
		}
	}
	job := "https://gitlab.example.com/acme/infra/-/jobs/42"
	for _, tc := range []struct{ job, out, want string }{
		{job, "plan.json", job + "/artifacts/file/plan.json"},
		{job + "/", "out/my plan.json", job + "/artifacts/file/out/my%20plan.json"},
		{job, "/tmp/plan.json", job + "/artifacts/browse"},
		{job, "../plan.json", job + "/artifacts/browse"},
		{job, "", job + "/artifacts/browse"},
		{"", "plan.json", ""},
	} {
		if got := artifactURL(getenv(tc.job), tc.out); got != tc.want {
			t.Errorf("artifactURL(%q, %q) = %q, want %q", tc.job, tc.out, got, tc.want)
		}
	}
}

func TestPlanNoteForAFleetIsBounded(t *testing.T) {
	// 300 projects to change: the note keeps to the default bound, counts
	// what it leaves out and links the job's plan.json.
	srv := newServer(t, "acme/infra")
	for i := 1; i <= 300; i++ {
		srv.AddProject(fmt.Sprintf("acme/svc-%03d", i))
	}
	infra := srv.AddProject("acme/infra")
	iid := srv.AddMergeRequest("acme/infra")
	spec := writeSpec(t, `version: 1
targets:
  - projects_in: acme
    exclude: [acme/infra]
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#deploys"
        pipeline_events: true
`)
	// Run in the job's directory, as CI does: --out plan.json is the
	// artifact the note links.
	cmd := exec.Command(binary, "plan", "-f", spec, "--mr-note", "--out", "plan.json", "-q")
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, mrPipeline(srv, infra, iid)...)
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != exitChanges {
		t.Fatalf("exit %d (%v)\n%s", code, err, out)
	}
	checkNoSecret(t, cmd.Args, string(out))
	if _, err := os.Stat(filepath.Join(cmd.Dir, "plan.json")); err != nil {
		t.Errorf("the plan was not saved in the job's directory: %v", err)
	}
	notes := srv.MergeRequestNotes("acme/infra", iid)
	if len(notes) != 1 {
		t.Fatalf("%d notes", len(notes))
	}
	body := notes[0].Body
	shown := strings.Count(body, "<details>")
	if len(body) > 60_000 || shown < 100 || !strings.Contains(body, "**Plan:** 300 to create") ||
		!strings.Contains(body, fmt.Sprintf("%d of 300 changes", 300-shown)) ||
		!strings.Contains(body, "[the job's artifacts](https://gitlab.example.com/acme/infra/-/jobs/4242/artifacts/file/plan.json)") {
		t.Errorf("the note for 300 projects (%d bytes, %d shown):\n%.3000s\n…\n%s", len(body), shown, body, body[max(0, len(body)-600):])
	}
	lines := strings.SplitN(body, "\n", 31)
	t.Logf("the note as posted, %d bytes, %d characters, %d of 300 changes shown; its first 30 lines:\n%s\n…\n%s",
		len(body), len([]rune(body)), shown, strings.Join(lines[:30], "\n"), body[strings.LastIndex(body, "\n---\n"):])
}
