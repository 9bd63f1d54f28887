package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
)

// The SDK's root package must not pull in the tool's dependencies.
func TestRootPackageImportsNoToolDependency(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !strings.Contains(string(out), "github.com/gitlabkit/integrations\n") {
		t.Fatalf("go list -deps printed too little to check:\n%s", out)
	}
	for _, d := range deps {
		for _, banned := range []string{
			"github.com/spf13/", "github.com/schollz/progressbar", "golang.org/x/term",
			"go.yaml.in/yaml", "gopkg.in/yaml", "github.com/creack/pty", "golang.org/x/net",
		} {
			if strings.HasPrefix(d, banned) {
				t.Errorf("the root package depends on %s", d)
			}
		}
	}
}

func TestNoTokenIsOneClearLine(t *testing.T) {
	srv := newServer(t, "acme/web")
	cli(t, []string{"GITLAB_URL=" + srv.URL()}, "list", "--project", "acme/web").
		fails(t, 1, "no GitLab token: set GITLAB_TOKEN or pass --token-file FILE")
}

func TestTokenIsNeverAFlagValue(t *testing.T) {
	srv := newServer(t, "acme/web")
	r := cli(t, env(srv), "list", "--project", "acme/web", "--token", srv.Token())
	r.fails(t, 1, "unknown flag: --token")
}

func TestTokenFile(t *testing.T) {
	srv := newServer(t, "acme/web")
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(srv.Token()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addSecret(srv.Token())
	cli(t, nil, "list", "--url", srv.URL(), "--token-file", path, "--project", "acme/web").ok(t)
	cliIn(t, nil, srv.Token(), "list", "--url", srv.URL(), "--token-file", "-", "--project", "acme/web").ok(t)

	// A wrong token: GitLab's 401 in one line, the token not in it.
	bad := "glpat-wrong-token-0123456789"
	addSecret(bad)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	cli(t, nil, "list", "--url", srv.URL(), "--token-file", path, "--project", "acme/web").fails(t, 1, "401")
}

func TestUnknownOutputFormat(t *testing.T) {
	cli(t, nil, "catalog", "-o", "xml").fails(t, 1, "--output xml: this command prints table, json, yaml, csv")
}

// version and --version print the same: the version go build recorded in
// the binary (go version -m), whether a module version, a commit of a
// clone or none.
func TestVersion(t *testing.T) {
	want := builtVersion(t)
	r := cli(t, nil, "version").ok(t)
	if !strings.HasPrefix(r.stdout, "gitlab-integrations "+want+" (") || !strings.HasSuffix(r.stdout, runtime.GOOS+"/"+runtime.GOARCH+")\n") {
		t.Errorf("version printed %q, want the version %q", r.stdout, want)
	}
	if flag := cli(t, nil, "--version").ok(t).stdout; flag != r.stdout {
		t.Errorf("--version printed %q, version %q", flag, r.stdout)
	}
	v := decodeJSON[versionView](t, cli(t, nil, "version", "-o", "json").ok(t).stdout)
	if v.Version != want || v.Go != runtime.Version() || v.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("version JSON: %+v", v)
	}
}

// builtVersion is the version the test binary should report, from what
// go version -m reads in it.
func builtVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", binary).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	var mod, rev string
	dirty := false
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 3 && f[0] == "mod":
			mod = f[2]
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			rev = strings.TrimPrefix(f[1], "vcs.revision=")
		case len(f) == 2 && f[0] == "build" && f[1] == "vcs.modified=true":
			dirty = true
		}
	}
	switch {
	case mod != "" && mod != "(devel)":
		return mod
	case rev != "":
		if dirty {
			return rev[:12] + "-dirty"
		}
		return rev[:12]
	}
	return "(devel)"
}

func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "__start_gitlab-integrations",
		"zsh":  "#compdef gitlab-integrations",
		"fish": "complete -c gitlab-integrations",
	} {
		r := cli(t, nil, "completion", shell).ok(t)
		if !strings.Contains(r.stdout, want) {
			t.Errorf("completion %s does not hold %q", shell, want)
		}
	}
	cli(t, nil, "completion", "powershell").fails(t, 1, `completion "powershell": the shells are bash, zsh and fish`)
	// Slugs complete from the catalog.
	r := cli(t, nil, "__complete", "get", "sla").ok(t)
	if !strings.Contains(r.stdout, "slack\tSlack notifications") {
		t.Errorf("completing get sla: %q", r.stdout)
	}
}

func TestCatalog(t *testing.T) {
	all := decodeJSON[[]integrationView](t, cli(t, nil, "catalog", "-o", "json").ok(t).stdout)
	if len(all) != len(integrations.Catalog()) {
		t.Fatalf("catalog lists %d integrations, the SDK has %d", len(all), len(integrations.Catalog()))
	}
	rows := decodeCSV(t, cli(t, nil, "catalog", "-o", "csv").ok(t).stdout)
	if len(rows) != len(all)+1 || strings.Join(rows[0], ",") != "SLUG,TITLE,LEVELS,TIER,REMOVED IN" {
		t.Fatalf("catalog CSV: %d rows, header %v", len(rows), rows[0])
	}

	slack := decodeYAML[integrationView](t, cli(t, nil, "catalog", "slack", "-o", "yaml").ok(t).stdout)
	if slack.Slug != "slack" || strings.Join(slack.Levels, ",") != "project,group" {
		t.Errorf("catalog slack: %+v", slack)
	}
	var webhook *parameterView
	for i := range slack.Params {
		if slack.Params[i].Name == "webhook" {
			webhook = &slack.Params[i]
		}
	}
	if webhook == nil || !webhook.Required || !webhook.Secret || webhook.Type != "string" {
		t.Errorf("catalog slack: webhook is %+v", webhook)
	}
	table := cli(t, nil, "catalog", "slack").ok(t).stdout
	if !strings.HasPrefix(table, "Slack notifications (slack): ") || !strings.Contains(table, "\nPARAMETER ") {
		t.Errorf("catalog slack table:\n%s", table)
	}
	cli(t, nil, "catalog", "slak").fails(t, 1, "slack")
}
