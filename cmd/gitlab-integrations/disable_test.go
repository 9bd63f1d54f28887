package main

import "testing"

// disable --ignore-not-found takes an integration never set up as done; a
// missing project still fails, and without the flag the 404 does.
func TestDisableIgnoreNotFound(t *testing.T) {
	srv := newServer(t, "acme/web")
	e := env(srv)
	cli(t, e, "disable", "slack", "-p", "acme/web").fails(t, 1, "disabling slack on project acme/web: GitLab answered 404 Not Found: 404 Integration Not Found")
	r := cli(t, e, "disable", "slack", "-p", "acme/web", "--ignore-not-found").ok(t)
	if r.stderr != "slack was never set up on project acme/web: nothing to disable.\n" || r.stdout != "" {
		t.Errorf("disable --ignore-not-found said %q on stderr, %q on stdout", r.stderr, r.stdout)
	}
	if r := cli(t, e, "disable", "slack", "-p", "acme/web", "--ignore-not-found", "-q").ok(t); r.stderr != "" {
		t.Errorf("with --quiet: %q", r.stderr)
	}
	cli(t, e, "disable", "slack", "-p", "acme/nope", "--ignore-not-found").fails(t, 1, "404 Project Not Found")
	if got := methods(srv)["DELETE"]; got != 4 {
		t.Errorf("%d DELETE requests, want 4", got)
	}
}
