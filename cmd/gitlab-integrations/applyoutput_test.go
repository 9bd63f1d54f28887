package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// --output jsonl streams one object per change, then a summary; a piped
// stderr gets one line per change (not with --quiet); YAML carries the
// status too.
func TestApplyOutputForCI(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api", "acme/ops")
	// A proxy answers 403 to the PUT for acme/api, and passes the rest.
	refuse := "/api/v4/projects/acme%2Fapi/integrations/slack"
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.EscapedPath() == refuse {
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
	if len(errLines) != 4 || errLines[0] != "failed project:acme/api slack (create): GitLab answered 403 Forbidden: 403 Forbidden [1/3]" ||
		errLines[1] != "applied project:acme/ops slack (create) [2/3]" || errLines[2] != "applied project:acme/web slack (create) [3/3]" ||
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
	refuse = ""
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
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"get", "slack", "--project", "acme/nope"}, e, "gitlab-integrations: getting slack on project acme/nope: GitLab answered 404 Not Found: 404 Project Not Found"},
		{[]string{"get", "slakk", "--project", "acme/web"}, e, `unknown integration "slakk" (did you mean slack?)`},
		{[]string{"list", "--project", "acme/web", "--url", "http://gitlab.example.com"}, []string{"GITLAB_TOKEN=x"}, "(use an https:// URL in --url or GITLAB_URL)"},
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
