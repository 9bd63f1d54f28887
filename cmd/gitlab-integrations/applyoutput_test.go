package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// --output jsonl streams one object per change, then a summary; a piped
// stderr gets one line per change (not with --quiet); YAML carries the
// status too.
func TestApplyOutputForCI(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api", "acme/ops")
	// A proxy answers 403 to the PUT for acme/api, and passes the rest.
	var refuse atomic.Value
	refuse.Store("/api/v4/projects/acme%2Fapi/integrations/slack")
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.EscapedPath() == refuse.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"message":"403 Forbidden"}`)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	e := append(env(srv), "GITLAB_URL="+proxy.URL, "SLACK_WEBHOOK="+sentinel)
	spec := writeSpec(t, fleetSpec)
	r := cli(t, e, "apply", "-f", spec, "--yes", "-o", "jsonl", "--concurrency", "1")
	if r.code != exitPartial {
		t.Fatalf("exit %d, want 3; stderr:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("jsonl: %d lines, want 3 changes and a summary:\n%s", len(lines), r.stdout)
	}
	statuses := map[string]int{}
	for _, l := range lines[:3] {
		v := decodeJSON[resultView](t, l)
		statuses[v.Status]++
		if v.Status == "failed" && !strings.HasPrefix(v.Error, "GitLab answered 403 Forbidden") {
			t.Errorf("failed change's error for people: %q", v.Error)
		}
	}
	if statuses["applied"] != 2 || statuses["failed"] != 1 {
		t.Errorf("statuses %v", statuses)
	}
	var sum struct {
		Summary map[string]int `json:"summary"`
	}
	if err := json.Unmarshal([]byte(lines[3]), &sum); err != nil ||
		sum.Summary["applied"] != 2 || sum.Summary["failed"] != 1 || sum.Summary["not_started"] != 0 || sum.Summary["total"] != 3 {
		t.Errorf("summary line %q (%v)", lines[3], err)
	}
	// stderr: a line per change as it finished, then the one error line.
	errLines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(errLines) != 4 || errLines[0] != "failed "+spec+":5 project:acme/api slack (create): GitLab answered 403 Forbidden: 403 Forbidden [1/3]" ||
		errLines[1] != "applied "+spec+":5 project:acme/ops slack (create) [2/3]" || errLines[2] != "applied "+spec+":5 project:acme/web slack (create) [3/3]" ||
		errLines[3] != "gitlab-integrations: 1 of 3 changes failed: 2 applied, 1 failed; run plan again to see what is left" {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "others were applied") || strings.Contains(strings.ReplaceAll(r.stderr, "gitlab-integrations: ", ""), "integrations: ") {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	// --quiet: results only, on stdout; the error line stays.
	r = cli(t, e, "apply", "-f", spec, "--yes", "-o", "yaml", "-q")
	if r.code != exitPartial || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("--quiet: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	y := decodeYAML[[]resultView](t, r.stdout)
	if len(y) != 1 || y[0].Status != "failed" {
		t.Errorf("YAML: %+v", y)
	}
	// Done: exit 0, every status applied.
	refuse.Store("")
	r = cli(t, e, "apply", "-f", spec, "--yes", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if res := decodeJSON[[]resultView](t, r.stdout); len(res) != 1 || res[0].Status != "applied" || !strings.HasSuffix(r.stderr, "Applied 1 changes.\n") {
		t.Errorf("apply: %+v\n%s", res, r.stderr)
	}
}

// Errors for people: one problem a line, no layer prefixes, no Go names.
func TestErrorsForPeople(t *testing.T) {
	srv := newServer(t, "acme/web")
	e := env(srv)
	spec := writeSpec(t, "version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slak: {}\n      slack:\n        chanel: x\n")
	r := cli(t, e, "plan", "-f", spec)
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if r.code != 1 || len(lines) < 2 {
		t.Fatalf("plan of a spec with two problems: exit %d\n%s", r.code, r.stderr)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "gitlab-integrations: "+spec+":") {
			t.Errorf("line %q is not file:line: message", l)
		}
	}
	// audit keeps going past a scope it cannot read; its entry says why,
	// for people.
	r = cli(t, e, "audit", "--project", "acme/nope", "-o", "json", "-q")
	if !strings.Contains(r.stdout, `"error": "listing its integrations: GitLab answered 404 Not Found: 404 Project Not Found"`) {
		t.Errorf("audit of a missing project (exit %d):\n%s", r.code, r.stdout)
	}
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"get", "slack", "--project", "acme/nope"}, e, "gitlab-integrations: getting slack on project acme/nope: GitLab answered 404 Not Found: 404 Project Not Found"},
		{[]string{"get", "slakk", "--project", "acme/web"}, e, `unknown integration "slakk" (did you mean slack?)`},
		{[]string{"list", "--project", "acme/web", "--url", "http://gitlab.example.com"}, []string{"GITLAB_TOKEN=x"}, "(use an https:// URL in --url or GITLAB_URL; --insecure-http sends it anyway, in clear text)"},
		{[]string{"list", "--project", "acme/web", "--rate-limit", "5000000"}, e, "--rate-limit 5e+06: give a number of requests a second"},
	} {
		r := cli(t, tc.env, tc.args...)
		r.fails(t, 1, tc.want)
		for _, bad := range []string{"integrations: ", "fleet: ", "With", "Catalog()", "/api/v4"} {
			if strings.Contains(strings.ReplaceAll(r.stderr, "gitlab-integrations: ", ""), bad) {
				t.Errorf("%v: %q holds %q", tc.args, r.stderr, bad)
			}
		}
	}
}

// A 500 is not taken for a failure at once: the change is read again.
// Applied if GitLab shows it; failed otherwise, and "may have been
// applied" when the re-read cannot tell. The summary counts each.
func TestApplyAfterServerErrors(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api", "acme/ops")
	path := func(p string) string { return "/api/v4/projects/acme%2F" + p + "/integrations/slack" }
	lost, refused, blind := path("web"), path("api"), path("ops")
	answer500 := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"message":"500 Internal Server Error"}`)
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		switch {
		case r.Method == http.MethodPut && p == lost: // saved, then the answer is lost
			srv.ServeHTTP(httptest.NewRecorder(), r)
			answer500(w)
		case r.Method == http.MethodPut && (p == refused || p == blind): // not saved
			answer500(w)
		case r.Method == http.MethodGet && p == blind: // and cannot be read
			answer500(w)
		default:
			srv.ServeHTTP(w, r)
		}
	}))
	defer proxy.Close()
	e := append(env(srv), "GITLAB_URL="+proxy.URL, "SLACK_WEBHOOK="+sentinel)
	r := cli(t, e, "apply", "-f", writeSpec(t, fleetSpec), "--yes", "-o", "json", "-q")
	if r.code != exitPartial {
		t.Fatalf("exit %d, want 3; stderr:\n%s", r.code, r.stderr)
	}
	got := map[string]resultView{}
	for _, v := range decodeJSON[[]resultView](t, r.stdout) {
		got[v.Scope] = v
	}
	if v := got["project:acme/web"]; v.Status != "applied" {
		t.Errorf("saved but answered 500: %+v", v)
	}
	if v := got["project:acme/api"]; v.Status != "failed" ||
		v.Error != "GitLab answered 500 Internal Server Error: 500 Internal Server Error; reading it again shows it was not set up" {
		t.Errorf("not saved: %+v", v)
	}
	if v := got["project:acme/ops"]; v.Status != "failed" || !strings.Contains(v.Error, "; it may have been applied: reading it again failed") {
		t.Errorf("not saved, not readable: %+v", v)
	}
	want := "gitlab-integrations: 2 of 3 changes failed: 1 applied, 2 failed (1 may have been applied); run plan again to see what is left\n"
	if r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
}

// An error GitLab returns about a change names the spec line of its
// target.
func TestApplyErrorNamesSpecLine(t *testing.T) {
	srv := newServer(t, "acme/web")
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"404 Project Not Found"}`)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	e := append(env(srv), "GITLAB_URL="+proxy.URL, "SLACK_WEBHOOK="+sentinel)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if r := cli(t, e, "plan", "-f", writeSpec(t, fleetSpec), "--out", planFile, "-q"); r.code != exitChanges {
		t.Fatalf("plan: exit %d: %s", r.code, r.stderr)
	}
	// The plan names where each change comes from (set here, so that the
	// test does not depend on which line plan records).
	var p map[string]any
	data, err := os.ReadFile(planFile)
	if err != nil || json.Unmarshal(data, &p) != nil {
		t.Fatalf("plan file: %v", err)
	}
	p["changes"].([]any)[0].(map[string]any)["where"] = "integrations.yaml:3"
	data, _ = json.Marshal(p)
	if err := os.WriteFile(planFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := cli(t, e, "apply", planFile, "--yes", "-o", "json")
	if r.code != exitPartial {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	res := decodeJSON[[]resultView](t, r.stdout)
	if len(res) != 1 || res[0].Where != "integrations.yaml:3" || res[0].Error != "GitLab answered 404 Not Found: 404 Project Not Found" {
		t.Errorf("results: %+v", res)
	}
	if !strings.HasPrefix(r.stderr, "failed integrations.yaml:3 project:acme/web slack (create): GitLab answered 404 Not Found: 404 Project Not Found [1/1]\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}
