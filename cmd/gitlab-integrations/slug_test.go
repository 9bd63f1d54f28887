package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// set, get, list and disable on one project, every format parsed back.
func TestSetGetListDisable(t *testing.T) {
	srv := newServer(t, "acme/web")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)

	set := cli(t, e, "set", "slack", "--project", "acme/web", "-o", "json",
		"webhook=${env:SLACK_WEBHOOK}", "channel=#deploys", "pipeline_events=true", "notify_only_broken_pipelines=1").ok(t)
	got := decodeJSON[settingsView](t, set.stdout)
	if got.Scope != "project:acme/web" || got.Integration != "slack" || !got.Active || got.Inherited {
		t.Errorf("set printed %+v", got)
	}
	if got.Properties["channel"] != "#deploys" || got.Properties["notify_only_broken_pipelines"] != true {
		t.Errorf("set printed properties %v", got.Properties)
	}
	if _, ok := got.Properties["webhook"]; ok {
		t.Errorf("set printed the webhook")
	}
	if got.Events["pipeline_events"] != true {
		t.Errorf("set printed events %v", got.Events)
	}
	if set.stderr != "Set slack on project acme/web.\n" {
		t.Errorf("set said %q on stderr", set.stderr)
	}
	// What went to GitLab: the typed values and the secret from the environment.
	reqs := srv.Requests()
	put := reqs[len(reqs)-1]
	body, err := put.JSON()
	if err != nil || put.Method != "PUT" || body["webhook"] != sentinel || body["notify_only_broken_pipelines"] != true || body["pipeline_events"] != true {
		t.Fatalf("sent %s %s %v (%v)", put.Method, put.Path, body, err)
	}

	y := decodeYAML[settingsView](t, cli(t, e, "get", "slack", "--project", "acme/web", "-o", "yaml").ok(t).stdout)
	if y.Properties["channel"] != "#deploys" || !y.Active {
		t.Errorf("get YAML: %+v", y)
	}
	table := cli(t, e, "get", "slack", "--project", "acme/web").ok(t).stdout
	if !strings.Contains(table, "\nchannel  ") || !strings.HasPrefix(table, "FIELD ") {
		t.Errorf("get table:\n%s", table)
	}

	list := decodeJSON[[]listEntry](t, cli(t, e, "list", "--project", "acme/web", "-o", "json").ok(t).stdout)
	if len(list) != 1 || list[0].Integration != "slack" || !list[0].Active {
		t.Errorf("list: %+v", list)
	}
	rows := decodeCSV(t, cli(t, e, "list", "--project", "acme/web", "-o", "csv").ok(t).stdout)
	if len(rows) != 2 || rows[1][0] != "slack" || rows[1][2] != "no" {
		t.Errorf("list CSV: %v", rows)
	}

	r := cli(t, e, "disable", "slack", "--project", "acme/web").ok(t)
	if r.stdout != "" || r.stderr != "Disabled slack on project acme/web.\n" {
		t.Errorf("disable printed %q, %q", r.stdout, r.stderr)
	}
	if r := cli(t, e, "disable", "slack", "--project", "acme/web", "-q").ok(t); r.stderr != "" {
		t.Errorf("disable -q said %q", r.stderr)
	}
	after := decodeJSON[settingsView](t, cli(t, e, "get", "slack", "--project", "acme/web", "-o", "json").ok(t).stdout)
	if after.Active {
		t.Errorf("still active after disable")
	}
	list = decodeJSON[[]listEntry](t, cli(t, e, "list", "--project", "acme/web", "-o", "json").ok(t).stdout)
	if len(list) != 0 {
		t.Errorf("list after disable: %+v", list)
	}
}

// Every problem at once, in one line, and nothing sent.
func TestSetRefusesBadInputBeforeSending(t *testing.T) {
	srv := newServer(t, "acme/web")
	e := env(srv)
	srv.ResetRequests()
	r := cli(t, e, "set", "slack", "--project", "acme/web", "chanel=#x", "notify_only_broken_pipelines=maybe")
	r.fails(t, 1, "webhook: is required")
	for _, want := range []string{"chanel", "channel", "notify_only_broken_pipelines"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q does not name %q", r.stderr, want)
		}
	}
	cli(t, e, "set", "slack", "--project", "acme/web", "webhook='${env:NOPE}'").fails(t, 1, "the environment variable NOPE is not set")
	cli(t, e, "set", "slack", "--project", "acme/web", "justtext").fails(t, 1, "write parameters as key=value")
	cli(t, e, "set", "slack", "--group", "acme", "--project", "acme/web", "webhook=x").fails(t, 1, "none of the others can be")
	cli(t, e, "set", "nosuch", "--project", "acme/web", "a=b").fails(t, 1, "unknown integration")
	// The catalog's rules, as the typed Set and a spec check them.
	cli(t, e, "set", "jira", "--project", "acme/web", "url=https://jira.example.com", "password=pw", "jira_auth_type=7").
		fails(t, 1, `jira_auth_type: "7" is not one of 0, 1, 2`)
	cli(t, e, "set", "harbor", "--project", "acme/web", "url=harbor.example.com", "project_name=p", "username=u", "password=   ").
		fails(t, 1, "url: is not a URL GitLab accepts")
	cli(t, e, "set", "harbor", "--project", "acme/web", "url=https://harbor.example.com", "project_name=p", "username=u", "password=   ").
		fails(t, 1, "password: is blank (spaces only)")
	cli(t, e, "copy", "--from", "project:acme/web", "--to", "project:-5").fails(t, 1, "project IDs are above zero")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for refused input", n)
	}
	cli(t, e, "get", "slack", "--project", "acme/nope").fails(t, 1, "getting slack on project acme/nope: ")
}

func TestSetReadsSecretsFromFiles(t *testing.T) {
	srv := newServer(t, "acme/web")
	dir := t.TempDir()
	path := filepath.Join(dir, "webhook")
	name := filepath.Join(dir, "name")
	if err := os.WriteFile(path, []byte(sentinel+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte("deploy-bot\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli(t, env(srv), "set", "slack", "--project", "acme/web", "-q", "webhook=@"+path, "channel=@@ops", "username=bot:${file:"+name+"}").ok(t)
	reqs := srv.Requests()
	body, _ := reqs[len(reqs)-1].JSON()
	if body["webhook"] != sentinel || body["channel"] != "@ops" || body["username"] != "bot:deploy-bot" {
		t.Errorf("sent %v", body)
	}
}

func TestCopy(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api", "acme/docs")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel, "JIRA_PASSWORD=jira-"+sentinel)
	addSecret("jira-" + sentinel)
	cli(t, e, "set", "slack", "--project", "acme/web", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#ops", "push_events=false").ok(t)
	cli(t, e, "set", "jira", "--project", "acme/web", "-q", "url=https://jira.example.com", "username=bot", "password=${env:JIRA_PASSWORD}").ok(t)

	// Without the secrets: refused, every missing one named, nothing sent.
	srv.ResetRequests()
	cli(t, e, "copy", "--from", "project:acme/web", "--to", "project:acme/api").
		fails(t, 1, "nothing copied: GitLab does not report secrets, and these required ones are missing: ")
	r := cli(t, e, "copy", "--from", "project:acme/web", "--to", "project:acme/api")
	for _, want := range []string{"slack.webhook", "jira.password"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("refusal %q does not name %s", r.stderr, want)
		}
	}
	if methods(srv)["PUT"] != 0 {
		t.Fatalf("copy sent a PUT without the secrets")
	}
	// A secret GitLab would refuse (blank): every copy is checked before
	// the first is sent.
	cli(t, append(e, "BLANK_HOOK=   "), "copy", "--from", "project:acme/web", "--to", "project:acme/api",
		"--secret", "webhook=${env:BLANK_HOOK}", "--secret", "jira.password=${env:JIRA_PASSWORD}").
		fails(t, 1, "nothing copied: GitLab would refuse slack on project acme/api: webhook: is blank")
	if methods(srv)["PUT"] != 0 {
		t.Fatalf("copy sent a PUT before finding a copy GitLab would refuse")
	}
	cli(t, e, "copy", "--from", "project:acme/web", "--to", "project:acme/api", "--only", "slack", "--secret", "webhook="+sentinel).
		fails(t, 1, "give a secret as '${env:VAR}' or @FILE, not as a plain value")

	out := cli(t, e, "copy", "--from", "project:acme/web", "--to", "project:acme/api", "--to", "project:acme/docs", "-o", "json",
		"--secret", "webhook=${env:SLACK_WEBHOOK}", "--secret", "jira.password=${env:JIRA_PASSWORD}").ok(t)
	results := decodeJSON[[]copyResult](t, out.stdout)
	if len(results) != 4 {
		t.Fatalf("copy results: %+v", results)
	}
	for _, res := range results {
		if res.Result != "set" || res.Error != "" || res.From != "project:acme/web" {
			t.Errorf("copy result %+v", res)
		}
	}
	for _, p := range []string{"acme/api", "acme/docs"} {
		got := decodeJSON[settingsView](t, cli(t, e, "get", "slack", "--project", p, "-o", "json").ok(t).stdout)
		if got.Properties["channel"] != "#ops" || got.Events["push_events"] != false || !got.Active {
			t.Errorf("slack on %s after copy: %+v", p, got)
		}
	}
	var sentPasswords []string
	for _, req := range srv.Requests() {
		if body, err := req.JSON(); err == nil && req.Method == "PUT" && strings.HasSuffix(req.Path, "/jira") {
			sentPasswords = append(sentPasswords, body["password"].(string))
		}
	}
	if !slices.Equal(sentPasswords, []string{"jira-" + sentinel, "jira-" + sentinel}) {
		t.Errorf("jira passwords sent: %d", len(sentPasswords))
	}
	cli(t, e, "copy", "--from", "acme/web", "--to", "project:acme/api").fails(t, 1, "--from: ")
}
