package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanHelpSaysWhatPlanReads: plan --help says which references plan
// reads, and plan does just that: a non-secret's always, a secret's only
// with --state.
func TestPlanHelpSaysWhatPlanReads(t *testing.T) {
	help := cli(t, nil, "plan", "--help").ok(t).stdout
	if strings.Contains(help, "not read by plan") {
		t.Errorf("plan --help still says references are not read:\n%s", help)
	}
	if !strings.Contains(strings.Join(strings.Fields(help), " "), "plan reads the ${env:NAME} and ${file:PATH} references of non-secret parameters, to compare their values with GitLab's and to check that apply can resolve them; those of secrets only with --state") {
		t.Errorf("plan --help does not say what plan reads:\n%s", help)
	}

	srv := newServer(t, "acme/web")
	e := append(env(srv), "W="+sentinel)
	cli(t, e, "set", "slack", "--project", "acme/web", "-q", "webhook=${env:W}", "channel=#c").ok(t)
	dir := t.TempDir()
	spec := filepath.Join(dir, "fleet.yaml")
	write := func(s string) {
		if err := os.WriteFile(spec, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slack:\n        webhook: ${env:UNSET_SECRET}\n        channel: '#c'\n")
	cli(t, env(srv), "plan", "-f", spec).ok(t)                                              // the secret is not read: no error
	cli(t, env(srv), "plan", "-f", spec, "--state", filepath.Join(dir, "state.json")).ok(t) // no fingerprint yet: nothing to compare
	write("version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slack:\n        webhook: ${env:W}\n        channel: ${env:UNSET_CHANNEL}\n")
	// A non-secret that cannot be read here is not compared, and listed for
	// apply: the plan still holds (exit 2, a change).
	r := cli(t, env(srv), "plan", "-f", spec)
	if r.code != exitChanges || !strings.Contains(r.stdout, "apply will need UNSET_CHANNEL, not set here") {
		t.Errorf("plan with an unreadable non-secret reference: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
