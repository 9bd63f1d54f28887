package main

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/gitlabkit/integrations/integrationstest"
)

// groupTree is an in-memory GitLab holding a tree of groups: acme (web,
// api), acme/platform (db), acme/platform/infra (k8s), acme/sandbox (toy),
// and beside it the group other (x); and the environment to reach it,
// SLACK_WEBHOOK included.
func groupTree(t *testing.T) (*integrationstest.Server, []string) {
	t.Helper()
	srv := newServer(t, "acme/web", "acme/api", "acme/platform/db", "acme/platform/infra/k8s", "acme/sandbox/toy", "other/x")
	return srv, append(env(srv), "SLACK_WEBHOOK="+sentinel)
}

// write is one request that changes something, as the fake received it.
type write struct {
	method, scope, slug string
	body                map[string]any
}

// writes lists the PUT, POST and DELETE requests srv received, in order,
// with their scope written as "project:acme/web".
func writes(t *testing.T, srv *integrationstest.Server) []write {
	t.Helper()
	var out []write
	for _, r := range srv.Requests() {
		if r.Method == "GET" || r.Method == "HEAD" {
			continue
		}
		rest := strings.TrimPrefix(r.Path, "/api/v4/")
		kind, rest, _ := strings.Cut(rest, "/")
		ref, slug, _ := strings.Cut(rest, "/integrations/")
		ref, err := url.PathUnescape(ref)
		if err != nil {
			t.Fatalf("request path %q: %v", r.Path, err)
		}
		w := write{method: r.Method, scope: strings.TrimSuffix(kind, "s") + ":" + ref, slug: slug}
		if r.Method == "PUT" {
			if w.body, err = r.JSON(); err != nil {
				t.Fatalf("%s %s: body is not JSON: %v", r.Method, r.Path, err)
			}
		}
		out = append(out, w)
	}
	return out
}

// scopesOf lists the scopes of ws that got method, sorted.
func scopesOf(ws []write, method string) []string {
	var out []string
	for _, w := range ws {
		if w.method == method {
			out = append(out, w.scope)
		}
	}
	slices.Sort(out)
	return out
}

// noWrites fails the test when srv received a request that changes
// something.
func noWrites(t *testing.T, srv *integrationstest.Server, what string) {
	t.Helper()
	if ws := writes(t, srv); len(ws) > 0 {
		t.Errorf("%s: %d requests sent that change something, want none: %+v", what, len(ws), ws)
	}
}

// afterPlan is what follows the plan's summary line in out: the results
// an apply printed after asking.
func afterPlan(t *testing.T, out string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, " unchanged.\n")
	if !ok {
		t.Fatalf("no plan in the output:\n%s", out)
	}
	return rest
}

// answerOnTerminal runs the tool with standard input and stderr on a terminal,
// calls before (when not nil) once it asks, then answers; it returns
// stdout, what the terminal showed, and the exit code.
func answerOnTerminal(t *testing.T, e []string, answer string, before func(), args ...string) (stdout, term string, code int) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, e...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, tty, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var shown bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		answered := false
		for {
			n, err := ptmx.Read(buf)
			shown.Write(buf[:n])
			if !answered && strings.Contains(shown.String(), "Only 'yes' applies them: ") {
				answered = true
				if before != nil {
					before()
				}
				_, _ = ptmx.Write([]byte(answer + "\n"))
			}
			if err != nil {
				return
			}
		}
	}()
	err = cmd.Wait()
	<-done
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	checkNoSecret(t, args, out.String()+shown.String())
	return out.String(), shown.String(), code
}

var slackArgs = []string{"webhook=${env:SLACK_WEBHOOK}", "channel=#deploys", "pipeline_events=true"}

// set over --projects-in: the plan, the refusal without a terminal, --yes,
// --dry-run, typed values and literal text sent as given.
func TestBulkSet(t *testing.T) {
	srv, e := groupTree(t)
	args := append([]string{"set", "slack", "--projects-in", "acme", "--exclude", "acme/sandbox/**"}, slackArgs...)
	want := []string{"project:acme/api", "project:acme/platform/db", "project:acme/platform/infra/k8s", "project:acme/web"}

	// No terminal to ask on and no --yes: the plan, a refusal, nothing sent.
	r := cli(t, e, args...)
	r.fails(t, 1, "refusing to apply without --yes: standard input is not a terminal")
	for _, s := range want {
		if !strings.Contains(r.stdout, "+ "+s+" slack (create)\n") {
			t.Errorf("the plan does not create slack on %s:\n%s", s, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "sandbox") || strings.Contains(r.stdout, "other/x") ||
		!strings.HasSuffix(r.stdout, "Plan: 4 to create, 0 to update, 0 to disable, 0 to inherit, 0 unchanged.\n") {
		t.Errorf("plan:\n%s", r.stdout)
	}
	noWrites(t, srv, "set without --yes")

	// --yes: one PUT per project matched, with typed values.
	res := decodeJSON[[]resultView](t, cli(t, e, append(args, "--yes", "-o", "json", "-q")...).ok(t).stdout)
	if len(res) != 4 {
		t.Fatalf("results: %+v", res)
	}
	for i, v := range res {
		if v.Scope != want[i] || v.Action != "create" || v.Status != "applied" || v.Error != "" || v.Where != "" {
			t.Errorf("result %d: %+v", i, v)
		}
	}
	ws := writes(t, srv)
	if got := scopesOf(ws, "PUT"); !slices.Equal(got, want) || len(ws) != 4 {
		t.Fatalf("sent %+v, want a PUT to each of %v", ws, want)
	}
	for _, w := range ws {
		if w.slug != "slack" || w.body["webhook"] != sentinel || w.body["channel"] != "#deploys" || w.body["pipeline_events"] != true {
			t.Errorf("PUT to %s %s: %v", w.scope, w.slug, w.body["channel"])
		}
	}

	// --dry-run: the plan only; exit 0 without changes, 2 with.
	srv.ResetRequests()
	r = cli(t, e, append(args, "--dry-run")...).ok(t)
	if !strings.HasPrefix(r.stdout, "No changes") {
		t.Errorf("--dry-run after set:\n%s", r.stdout)
	}
	r = cli(t, e, "set", "slack", "--projects-in", "acme", "--include", "acme/platform/**", "--dry-run", "webhook=${env:SLACK_WEBHOOK}", "channel=#ops")
	if r.code != exitChanges {
		t.Fatalf("--dry-run with changes: exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "~ project:acme/platform/db slack (update)\n    ~ channel: \"#deploys\" → \"#ops\"\n") ||
		!strings.Contains(r.stdout, "~ project:acme/platform/infra/k8s slack (update)") || strings.Contains(r.stdout, "acme/web") ||
		!strings.HasSuffix(r.stdout, "Plan: 0 to create, 2 to update, 0 to disable, 0 to inherit, 0 unchanged.\n") {
		t.Errorf("--dry-run plan:\n%s", r.stdout)
	}
	r = cli(t, e, "set", "slack", "--projects-in", "acme", "--include", "acme/platform/**", "--dry-run", "-o", "json", "webhook=${env:SLACK_WEBHOOK}", "channel=#ops")
	var p struct {
		planJSON
		Changes []struct {
			Send     map[string]any `json:"send"`
			Withheld []string       `json:"withheld"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != exitChanges || p.Summary["update"] != 2 || len(p.Changes) != 2 {
		t.Fatalf("--dry-run -o json (exit %d, %v):\n%s", r.code, err, r.stdout)
	}
	// The secret stays a reference, resolved when applied.
	if p.Changes[0].Send["webhook"] != "${env:SLACK_WEBHOOK}" || p.Changes[0].Send["channel"] != "#ops" || len(p.Changes[0].Withheld) != 0 {
		t.Errorf("--dry-run -o json: %+v", p.Changes[0])
	}
	noWrites(t, srv, "--dry-run")

	// A value read from a file is sent as it is: a "${env:…}" in it is
	// text, never a reference resolved against the environment.
	file := filepath.Join(t.TempDir(), "name")
	if err := os.WriteFile(file, []byte("bot ${env:SLACK_WEBHOOK}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli(t, e, "set", "slack", "--projects-in", "acme", "--include", "acme/web", "--yes", "-q",
		"webhook=${env:SLACK_WEBHOOK}", "channel=#deploys", "username=@"+file).ok(t)
	ws = writes(t, srv)
	if len(ws) != 1 || ws[0].scope != "project:acme/web" || ws[0].body["username"] != "bot ${env:SLACK_WEBHOOK}" {
		t.Errorf("sent %+v", ws)
	}
}

// Without --yes on a terminal: the plan, then the question; "no" sends
// nothing, "yes" applies; a change GitLab refuses gives exit 3 and every
// change's status.
func TestBulkAsksOnTerminal(t *testing.T) {
	srv, e := groupTree(t)
	args := append([]string{"set", "slack", "--projects-in", "acme", "--include", "acme/*", "-o", "json"}, slackArgs...)

	out, term, code := answerOnTerminal(t, e, "no", nil, args...)
	if code != 1 || !strings.Contains(term, "apply cancelled: nothing changed") || !strings.Contains(out, "Plan: 2 to create") {
		t.Errorf("answer no: exit %d, stdout:\n%s\nterminal:\n%s", code, out, term)
	}
	noWrites(t, srv, "answer no")

	out, term, code = answerOnTerminal(t, e, "yes", nil, args...)
	if code != 0 {
		t.Fatalf("answer yes: exit %d\n%s\n%s", code, out, term)
	}
	res := decodeJSON[[]resultView](t, afterPlan(t, out))
	if len(res) != 2 || res[0].Status != "applied" || res[1].Status != "applied" {
		t.Errorf("answer yes: %+v", res)
	}
	if got := scopesOf(writes(t, srv), "PUT"); !slices.Equal(got, []string{"project:acme/api", "project:acme/web"}) {
		t.Errorf("answer yes sent PUT to %v", got)
	}

	// The first change GitLab refuses (403); the others go on.
	srv.ResetRequests()
	args = []string{"set", "slack", "--projects-in", "acme", "--concurrency", "1", "-o", "json",
		"webhook=${env:SLACK_WEBHOOK}", "channel=#all"}
	out, term, code = answerOnTerminal(t, e, "yes", func() { srv.FailNext(1, 403) }, args...)
	if code != exitPartial {
		t.Fatalf("a refused change: exit %d, want 3\n%s\n%s", code, out, term)
	}
	if !strings.Contains(term, "1 of 5 changes failed: 4 applied, 1 failed; run plan again to see what is left") {
		t.Errorf("terminal:\n%s", term)
	}
	status := map[string]string{}
	for _, v := range decodeJSON[[]resultView](t, afterPlan(t, out)) {
		status[v.Scope] = v.Status
		if v.Status == "failed" && !strings.Contains(v.Error, "403") {
			t.Errorf("%s failed with %q", v.Scope, v.Error)
		}
	}
	wantStatus := map[string]string{"project:acme/api": "failed", "project:acme/web": "applied", "project:acme/platform/db": "applied",
		"project:acme/platform/infra/k8s": "applied", "project:acme/sandbox/toy": "applied"}
	if len(status) != len(wantStatus) {
		t.Errorf("statuses %v, want %v", status, wantStatus)
	}
	for s, st := range wantStatus {
		if status[s] != st {
			t.Errorf("%s: status %q, want %q", s, status[s], st)
		}
	}
}

// disable over --projects-in disables where the integration is on, and
// only there.
func TestBulkDisable(t *testing.T) {
	srv, e := groupTree(t)
	for _, p := range []string{"acme/web", "acme/api", "acme/platform/db", "other/x"} {
		cli(t, e, append([]string{"set", "slack", "--project", p, "-q"}, slackArgs...)...).ok(t)
	}
	srv.ResetRequests()
	r := cli(t, e, "disable", "slack", "--project", "acme/web", "--dry-run")
	if r.code != exitChanges || !strings.HasPrefix(r.stdout, "- project:acme/web slack (disable)\n") {
		t.Errorf("disable --project --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noWrites(t, srv, "disable --dry-run")

	res := decodeJSON[[]resultView](t, cli(t, e, "disable", "slack", "--projects-in", "acme", "--exclude", "acme/web", "--yes", "-o", "json", "-q").ok(t).stdout)
	if len(res) != 2 || res[0].Scope != "project:acme/api" || res[1].Scope != "project:acme/platform/db" ||
		res[0].Action != "disable" || res[0].Status != "applied" || res[1].Status != "applied" {
		t.Errorf("results: %+v", res)
	}
	ws := writes(t, srv)
	if got := scopesOf(ws, "DELETE"); len(ws) != 2 || !slices.Equal(got, []string{"project:acme/api", "project:acme/platform/db"}) {
		t.Errorf("sent %+v", ws)
	}
	// Nothing left to disable: exit 0, nothing sent.
	srv.ResetRequests()
	r = cli(t, e, "disable", "slack", "--projects-in", "acme", "--exclude", "acme/web", "--yes").ok(t)
	if !strings.Contains(r.stderr, "No changes") {
		t.Errorf("disable with nothing to do said %q", r.stderr)
	}
	noWrites(t, srv, "disable with nothing to do")
}

// inherit resets projects that override a group's settings to the
// group's, and refuses when no group above has the integration.
func TestBulkInherit(t *testing.T) {
	srv, e := groupTree(t)
	cli(t, e, "set", "slack", "--group", "acme", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#acme").ok(t)
	// The group's settings reach every project below it (as GitLab's
	// propagation does); three get settings of their own.
	cli(t, e, "set", "slack", "--project", "acme/web", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#web", "use_inherited_settings=false").ok(t)
	cli(t, e, "set", "slack", "--project", "acme/api", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#api", "use_inherited_settings=false").ok(t)
	cli(t, e, "set", "slack", "--project", "acme/platform/db", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#db", "use_inherited_settings=false").ok(t)
	srv.ResetRequests()

	// No group above has Jira: refused, nothing sent.
	cli(t, e, "inherit", "jira", "--projects-in", "acme", "--include", "acme/*").
		fails(t, 1, `--projects-in acme: jira: inherit, but no group above acme/web (acme) has it set up with its own settings, so GitLab would answer "Default integration not found": set it up on a group above first (gitlab-integrations set jira --group GROUP …)`)
	cli(t, e, "inherit", "jira", "--project", "acme/platform/db", "--yes").
		fails(t, 1, "--project acme/platform/db: jira: inherit, but no group above acme/platform/db (acme/platform, acme) has it")
	noWrites(t, srv, "inherit with no group to inherit from")

	r := cli(t, e, "inherit", "slack", "--projects-in", "acme", "--include", "acme/*", "--dry-run")
	if r.code != exitChanges || !strings.Contains(r.stdout, "< project:acme/web slack (inherit the group's settings)") ||
		!strings.Contains(r.stdout, "< project:acme/api slack (inherit") || strings.Contains(r.stdout, "platform") {
		t.Errorf("inherit --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noWrites(t, srv, "inherit --dry-run")

	res := decodeJSON[[]resultView](t, cli(t, e, "inherit", "slack", "--projects-in", "acme", "--include", "acme/*", "--yes", "-o", "json", "-q").ok(t).stdout)
	if len(res) != 2 || res[0].Action != "inherit" || res[0].Status != "applied" || res[1].Status != "applied" {
		t.Errorf("results: %+v", res)
	}
	ws := writes(t, srv)
	if got := scopesOf(ws, "PUT"); len(ws) != 2 || !slices.Equal(got, []string{"project:acme/api", "project:acme/web"}) {
		t.Fatalf("sent %+v", ws)
	}
	for _, w := range ws {
		if w.body["use_inherited_settings"] != true {
			t.Errorf("PUT to %s: use_inherited_settings %v, want true", w.scope, w.body["use_inherited_settings"])
		}
	}
	got := decodeJSON[settingsView](t, cli(t, e, "get", "slack", "--project", "acme/web", "-o", "json").ok(t).stdout)
	if !got.Inherited || got.Properties["channel"] != "#acme" {
		t.Errorf("acme/web after inherit: %+v", got)
	}

	// Those that inherit already are left alone.
	srv.ResetRequests()
	if r := cli(t, e, "inherit", "slack", "--projects-in", "acme", "--include", "acme/*", "--dry-run").ok(t); !strings.HasPrefix(r.stdout, "No changes") {
		t.Errorf("inherit --dry-run again:\n%s", r.stdout)
	}
	// One project, from a group two levels up.
	lines := strings.Split(cli(t, e, "inherit", "slack", "--project", "acme/platform/db", "--yes", "-o", "jsonl", "-q").ok(t).stdout, "\n")
	if len(lines) != 3 || lines[2] != "" || lines[1] != `{"summary":{"applied":1,"failed":0,"not_started":0,"total":1}}` {
		t.Fatalf("inherit --project -o jsonl:\n%s", strings.Join(lines, "\n"))
	}
	if v := decodeJSON[resultView](t, lines[0]); v.Scope != "project:acme/platform/db" || v.Action != "inherit" || v.Status != "applied" {
		t.Errorf("inherit --project: %+v", v)
	}
	if ws := writes(t, srv); len(ws) != 1 || ws[0].scope != "project:acme/platform/db" || ws[0].body["use_inherited_settings"] != true {
		t.Errorf("inherit --project sent %+v", ws)
	}
}

// copy to --projects-in: the source's settings on each project matched,
// the secrets given; without them nothing is sent.
func TestBulkCopy(t *testing.T) {
	srv, e := groupTree(t)
	cli(t, e, "set", "slack", "--project", "acme/web", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#ops", "push_events=false").ok(t)
	srv.ResetRequests()
	args := []string{"copy", "--from", "project:acme/web", "--projects-in", "acme", "--include", "acme/**",
		"--exclude", "acme/web", "--exclude", "acme/sandbox/**", "--only", "slack"}

	cli(t, e, append(args, "--yes")...).fails(t, 1, "nothing copied: GitLab does not report secrets, and these required ones are missing: slack.webhook")
	noWrites(t, srv, "copy without the secret")

	res := decodeJSON[[]resultView](t, cli(t, e, append(args, "--secret", "webhook=${env:SLACK_WEBHOOK}", "--yes", "-o", "json", "-q")...).ok(t).stdout)
	want := []string{"project:acme/api", "project:acme/platform/db", "project:acme/platform/infra/k8s"}
	if len(res) != 3 {
		t.Fatalf("results: %+v", res)
	}
	for i, v := range res {
		if v.Scope != want[i] || v.Action != "create" || v.Status != "applied" {
			t.Errorf("result %d: %+v", i, v)
		}
	}
	ws := writes(t, srv)
	if got := scopesOf(ws, "PUT"); len(ws) != 3 || !slices.Equal(got, want) {
		t.Fatalf("sent %+v", ws)
	}
	for _, w := range ws {
		if w.body["webhook"] != sentinel || w.body["channel"] != "#ops" || w.body["push_events"] != false {
			t.Errorf("PUT to %s: channel %v, push_events %v", w.scope, w.body["channel"], w.body["push_events"])
		}
	}
	// The same again: the non-secret settings match, so nothing changes.
	srv.ResetRequests()
	if r := cli(t, e, append(args, "--secret", "webhook=${env:SLACK_WEBHOOK}", "--dry-run")...).ok(t); !strings.HasPrefix(r.stdout, "No changes") {
		t.Errorf("copy --dry-run again:\n%s", r.stdout)
	}
	// --dry-run plans --to scopes too, and sends nothing.
	r := cli(t, e, "copy", "--from", "project:acme/web", "--to", "project:other/x", "--only", "slack", "--secret", "webhook=${env:SLACK_WEBHOOK}", "--dry-run")
	if r.code != exitChanges || !strings.HasPrefix(r.stdout, "+ project:other/x slack (create)\n") {
		t.Errorf("copy --to --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noWrites(t, srv, "copy --dry-run")
}

// Flags that do not go together, a group that does not exist, globs that
// match nothing: exit 1, one clear line, nothing sent.
func TestBulkRefusesBadInput(t *testing.T) {
	srv, e := groupTree(t)
	srv.AddGroup("empty")
	hook := "webhook=${env:SLACK_WEBHOOK}"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"set", "slack", "--projects-in", "acme", "--include", "acme/nope/**", hook},
			`--include: include ["acme/nope/**"] matches none of the 5 projects of acme`},
		{[]string{"set", "slack", "--projects-in", "acme", "--exclude", "acme/**", hook},
			`--exclude: exclude ["acme/**"] leaves none of the 5 projects of acme`},
		{[]string{"disable", "slack", "--projects-in", "acmee"}, "--projects-in acmee: group acmee does not exist"},
		{[]string{"set", "slack", "--projects-in", "empty", hook}, "--projects-in empty: the group has no projects (archived ones are left out): nothing to do"},
		{[]string{"inherit", "slack", "--projects-in", "acme/"}, `--projects-in acme/: "acme/" has an empty segment`},
		{[]string{"set", "slack", "--projects-in", "acme", "--include", "", hook}, `--include: glob "" is not valid`},
		{[]string{"set", "slack", "--projects-in", "acme", "--project", "acme/web", hook},
			"--projects-in and --project: give --project P, --group G or --projects-in GROUP, not both"},
		{[]string{"inherit", "slack", "--projects-in", "acme", "--group", "acme"}, "--projects-in and --group: give"},
		{[]string{"disable", "slack", "--project", "acme/web", "--include", "acme/*"},
			"--include and --exclude choose among the projects of --projects-in: give --projects-in GROUP too"},
		{[]string{"set", "slack", hook}, "no scope: give --project P, --group G or --projects-in GROUP"},
		{[]string{"inherit", "slack"}, "no scope: give --project P, --group G or --projects-in GROUP"},
		{[]string{"set", "slack", "--projects-in", "acme", "--dry-run", "--yes", hook}, "--dry-run and --yes: --dry-run only shows the plan"},
		{[]string{"set", "slack", "--project", "acme/web", "--state", "state.json", hook}, "--state works when the command plans (with --projects-in or --dry-run)"},
		{[]string{"set", "slack", "--projects-in", "acme", "channel=#x"}, "setting slack on the projects in acme: slack: webhook: is required"},
		{[]string{"set", "slack", "--projects-in", "acme", "--yes", "-o", "text", hook}, "--output text: this command prints"},
		{[]string{"copy", "--from", "project:acme/web", "--projects-in", "acme", "--to", "project:acme/api"},
			"--projects-in and --to: give --to SCOPE or --projects-in GROUP, not both"},
		{[]string{"copy", "--from", "project:acme/web"}, "no scope: give --to SCOPE or --projects-in GROUP"},
	} {
		cli(t, e, tc.args...).fails(t, 1, tc.want)
	}
	noWrites(t, srv, "refused input")
}

// Each command's help documents the flags of bulk work.
func TestBulkHelp(t *testing.T) {
	for _, name := range []string{"set", "disable", "copy", "inherit"} {
		out := cli(t, nil, name, "--help").ok(t).stdout
		for _, want := range []string{"--projects-in string", "--include stringArray", "--exclude stringArray", "--yes ", "--dry-run ", "--state string", "--concurrency int"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s --help does not document %s", name, strings.TrimSpace(want))
			}
		}
		if !strings.Contains(out, "shows the plan and asks") {
			t.Errorf("%s --help does not say that it asks", name)
		}
	}
}

// SIGTERM during a bulk set: the changes in flight finish, no other
// starts, every change is reported, exit 143, as apply does.
func TestBulkInterrupted(t *testing.T) {
	const total = 120
	srv, e, _ := slowFleet(t, total, 20*time.Millisecond)
	r := applyAndSignal(t, e, 20, nil, 0, []syscall.Signal{syscall.SIGTERM},
		"set", "slack", "--projects-in", "acme", "--yes", "-o", "json", "webhook=${env:SLACK_WEBHOOK}", "channel=#deploys")
	if r.code != 143 {
		t.Fatalf("exit %d, want 143; stderr:\n%s", r.code, r.stderr)
	}
	if count := checkReport(t, srv, r, total); count["failed"] != 0 {
		t.Errorf("%d changes failed: the first signal lets those in flight finish", count["failed"])
	}
}
