package main

import (
	"strings"
	"testing"
	"time"
)

// fake --propagation-delay D: a group's change reaches the projects that
// inherit it only once GitLab's workers have run, D after the change.
func TestFakePropagationDelay(t *testing.T) {
	// Long enough that the audit right after the change runs before it,
	// even on a loaded machine.
	const delay = 5 * time.Second
	e, stop := startFake(t, nil, "--projects-in", "acme", "--count", "4", "--propagation-delay", delay.String())
	e = append(e, "SLACK_WEBHOOK="+sentinel)
	slackOf := func() (auditEntry, bool) {
		for _, a := range decodeJSON[[]auditEntry](t, cli(t, e, "audit", "--project", "acme/data/svc-004", "-o", "json", "-q").ok(t).stdout) {
			if a.Integration == "slack" {
				return a, true
			}
		}
		return auditEntry{}, false
	}

	cli(t, e, "set", "slack", "--group", "acme", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#ops-alerts").ok(t)
	if a, ok := slackOf(); ok {
		t.Fatalf("right after the group's change, acme/data/svc-004 already has %+v", a)
	}
	var got auditEntry
	for deadline := time.Now().Add(delay + 60*time.Second); ; {
		a, ok := slackOf()
		if ok {
			got = a
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the group's Slack never reached acme/data/svc-004")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !got.Active || got.InheritedFrom != "group:acme" || got.Properties["channel"] != "#ops-alerts" {
		t.Errorf("after the delay, acme/data/svc-004 has %+v", got)
	}

	// apply --wait waits for the next copy and names how many followed.
	spec := writeSpec(t, "version: 1\ntargets:\n  - group: acme\n    integrations:\n      slack:\n        webhook: ${env:SLACK_WEBHOOK}\n        channel: \"#ops-deploys\"\n")
	r := cli(t, e, "apply", "-f", spec, "--yes", "--wait", "--wait-timeout", "2m", "--wait-interval", "200ms")
	if r.code != 0 || !strings.Contains(r.stderr, "Propagated to 8 descendants") {
		t.Errorf("apply --wait on the fake: exit %d\n%s", r.code, r.stderr)
	}
	if a, _ := slackOf(); a.Properties["channel"] != "#ops-deploys" {
		t.Errorf("after apply --wait, acme/data/svc-004 has %+v", a)
	}
	stop()
}
