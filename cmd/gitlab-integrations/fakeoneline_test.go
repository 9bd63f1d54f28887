package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startFake runs fake with args and returns its GITLAB_URL and
// GITLAB_TOKEN lines, and a stop that interrupts it and returns its stderr.
func startFake(t *testing.T, extraEnv []string, args ...string) ([]string, func() string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"fake"}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var e []string
	for len(e) < 2 {
		select {
		case l, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("fake %v ended: %s", args, stderr.String())
			}
			e = append(e, l)
		case <-time.After(60 * time.Second):
			t.Fatal("fake printed no GITLAB_URL and GITLAB_TOKEN")
		}
	}
	addSecret(strings.TrimPrefix(e[1], "GITLAB_TOKEN="))
	return e, func() string {
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("fake on SIGINT: %v\n%s", err, stderr.String())
		}
		return stderr.String()
	}
}

// fake --projects-in acme --count N makes N projects over four subgroups,
// the same every run; --seed applies a spec before GITLAB_URL is printed.
func TestFakeInOneLine(t *testing.T) {
	spec := writeSpec(t, fleetSpec)
	e, stop := startFake(t, []string{"SLACK_WEBHOOK=" + sentinel}, "--projects-in", "acme", "--count", "30", "--seed", spec, "--gitlab-version", "17.11.2-ee")
	var audit []auditEntry
	for _, a := range decodeJSON[[]auditEntry](t, cli(t, e, "audit", "--projects-in", "acme", "-o", "json", "-q").ok(t).stdout) {
		if strings.HasPrefix(a.Scope, "project:") { // the tree's groups come first, without Slack
			audit = append(audit, a)
		}
	}
	if len(audit) != 30 {
		t.Fatalf("audit found %d entries, want 30 (slack on each project)", len(audit))
	}
	seen := map[string]bool{}
	for _, a := range audit {
		seen[strings.TrimPrefix(a.Scope, "project:")] = true
		if a.Integration != "slack" || !a.Active {
			t.Errorf("%+v, want slack from the seed", a)
		}
	}
	for _, p := range []string{"acme/platform/svc-001", "acme/payments/svc-002", "acme/mobile/svc-003", "acme/data/svc-004", "acme/platform/svc-005", "acme/data/svc-028", "acme/payments/svc-030"} {
		if !seen[p] {
			t.Errorf("no project %s among %v", p, seen)
		}
	}
	// The spec is applied: plan has nothing to do.
	r := cli(t, append(e, "SLACK_WEBHOOK="+sentinel), "plan", "-f", spec)
	if r.code != 0 || !strings.Contains(r.stdout, "No changes") {
		t.Errorf("plan after --seed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if v := cli(t, e, "version", "--server").ok(t).stdout; !strings.Contains(v, "GitLab 17.11.2-ee") {
		t.Errorf("--gitlab-version: %q", v)
	}
	if errs := stop(); !strings.Contains(errs, "30 projects, acme/platform/svc-001 to acme/payments/svc-030, 30 changes of "+spec+" applied") {
		t.Errorf("fake's notes:\n%s", errs)
	}
}

// A seed that cannot be applied, or flags that do not fit, start nothing.
func TestFakeRefusals(t *testing.T) {
	bad := writeSpec(t, "version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slakk: {}\n")
	cli(t, nil, "fake", "--seed", bad).fails(t, 1, "slakk")
	cli(t, nil, "fake", "--seed", writeSpec(t, fleetSpec), "--projects-in", "acme", "--count", "2").fails(t, 1, "integrations.yaml:6: ${env:SLACK_WEBHOOK}: the environment variable SLACK_WEBHOOK is not set")
	cli(t, nil, "fake", "--count", "5").fails(t, 1, "--count: give the group to make the projects in with --projects-in")
	cli(t, nil, "fake", "--projects-in", "acme", "--count", "0").fails(t, 1, "--count 0: give a number of projects from 1 to 100000")
	cli(t, nil, "fake", "--propagation-delay", "-1s").fails(t, 1, "--propagation-delay -1s: give a duration of 0 or more, such as 20ms")
	cli(t, nil, "fake", "--propagation-delay", "soon").fails(t, 1, `invalid argument "soon" for "--propagation-delay" flag`)
}

// fake --help says what it models and what it does not, and names every
// option of integrationstest that tests use.
func TestFakeHelp(t *testing.T) {
	help := cli(t, nil, "fake", "--help").ok(t).stdout
	for _, want := range []string{"What it models", "What it does not model", "--throttle", "--latency", "--fail-every", "--fail-status", "--removed",
		"--projects-in", "--count", "--seed", "--gitlab-version", "--legacy-services-only", "--without-keyset-pagination", "--read-timeout", "--request-log-bytes", "--propagation-delay"} {
		if !strings.Contains(help, want) {
			t.Errorf("fake --help does not hold %q", want)
		}
	}
}
