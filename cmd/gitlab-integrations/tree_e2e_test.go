package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

// treeSubgroups are the subgroups of acme in the 300-project tree; every
// fifth project sits one level deeper, in <subgroup>/legacy.
var treeSubgroups = []string{"platform", "payments", "mobile", "data"}

// treeProjects are the 300 projects of the tree: acme/payments/svc-001,
// acme/mobile/svc-002, …, acme/platform/legacy/svc-005, …
func treeProjects() []string {
	out := make([]string, 300)
	for i := range out {
		n := i + 1
		sub := treeSubgroups[n%len(treeSubgroups)]
		if n%5 == 0 {
			sub += "/legacy"
		}
		out[i] = fmt.Sprintf("acme/%s/svc-%03d", sub, n)
	}
	return out
}

// treePolicy wants Slack on every project of acme, posting to an #ops-
// channel.
const treePolicy = `version: 1
rules:
  - name: slack-to-ops
    targets: [{projects_in: acme}]
    require: slack
  - name: ops-channel
    targets: [{projects_in: acme}]
    integration: slack
    parameters:
      channel: {matches: "^#ops-"}
`

// TestTreeOverridesInheritCheck is the walk through issue 18 on a tree of
// 300 projects in 8 subgroups with GitLab's copy in the background: the
// group's Slack reaches the projects only when the workers run; ten
// projects that went their own way are found by overrides, reset by
// inherit (exactly ten PUTs), and check turns from findings to compliant;
// a later change of the group reaches them all, and apply --wait waits
// for it.
func TestTreeOverridesInheritCheck(t *testing.T) {
	srv := integrationstest.NewServer(integrationstest.WithPropagationDelay(time.Hour))
	t.Cleanup(srv.Close)
	projects := treeProjects()
	for _, p := range projects {
		if srv.AddProject(p) == 0 {
			t.Fatalf("AddProject(%q) failed", p)
		}
	}
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	policy := writeSpec(t, treePolicy)

	// The group's Slack, not yet copied: every project lacks it.
	cli(t, e, "set", "slack", "--group", "acme", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#ops-alerts").ok(t)
	r := cli(t, e, "check", "-f", policy, "-q")
	skipWithoutProjects(t, r)
	if r.code != exitFindings || !strings.Contains(r.stdout, "300 findings: 300 of 600 checks failed (2 rules on 300 projects and groups).") {
		t.Fatalf("check before the copy: exit %d\n%s%s", r.code, tail(r.stdout), r.stderr)
	}
	if srv.PendingPropagations() != 1 {
		t.Fatalf("%d copies pending, want the group's one", srv.PendingPropagations())
	}
	srv.FinishPropagation()
	cli(t, e, "check", "-f", policy, "-q").ok(t)

	// Ten projects, some in the deeper subgroups, get settings of their own.
	var own []string
	for _, n := range []int{1, 20, 33, 43, 64, 85, 147, 205, 256, 300} {
		own = append(own, projects[n-1])
	}
	ownChannel := map[string]string{}
	for _, p := range own {
		ownChannel[p] = "#dev-" + p[strings.LastIndex(p, "/")+1:]
		cli(t, e, "set", "slack", "--project", p, "-q", "webhook=${env:SLACK_WEBHOOK}", "channel="+ownChannel[p], "use_inherited_settings=false").ok(t)
	}

	// check finds them, on the rule's line, and only them.
	r = cli(t, e, "check", "-f", policy, "-q")
	if r.code != exitFindings {
		t.Fatalf("check with ten own channels: exit %d\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 12 || lines[11] != "10 findings: 10 of 600 checks failed (2 rules on 300 projects and groups)." {
		t.Fatalf("check table:\n%s", r.stdout)
	}
	for _, l := range lines[1:11] {
		f := strings.Fields(l)
		if len(f) < 5 || f[0] != policy+":6" || f[1] != "ops-channel" || ownChannel[strings.TrimPrefix(f[2], "project:")] == "" {
			t.Errorf("check finding %q", l)
		}
	}
	junit := cli(t, e, "check", "-f", policy, "-o", "junit", "-q")
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal([]byte(junit.stdout), &suites); err != nil || junit.code != exitFindings || suites.Tests != 600 || suites.Failures != 10 {
		t.Errorf("check -o junit: exit %d, %+v, %v", junit.code, suites, err)
	}

	// overrides lists exactly the ten, with the field that differs.
	rep := decodeJSON[fleet.OverridesReport](t, cli(t, e, "overrides", "--group", "acme", "-o", "json").ok(t).stdout)
	if len(rep.Integrations) != 1 || rep.Integrations[0].Integration != "slack" || rep.Failed != 0 {
		t.Fatalf("overrides: %+v", rep)
	}
	var found []string
	for _, o := range rep.Integrations[0].Overrides {
		p := strings.TrimPrefix(scopeText(o.Scope), "project:")
		found = append(found, p)
		want := fleet.Difference{Field: "channel", Own: ownChannel[p], Inherited: "#ops-alerts"}
		if o.WouldInheritFrom != "group:acme" || !o.Active || len(o.Differences) != 1 || o.Differences[0] != want {
			t.Errorf("override of %s: %+v, want %+v", p, o, want)
		}
	}
	sort.Strings(found)
	wantOwn := append([]string(nil), own...)
	sort.Strings(wantOwn)
	if strings.Join(found, " ") != strings.Join(wantOwn, " ") {
		t.Errorf("overrides found\n%v\nwant\n%v", found, wantOwn)
	}

	// inherit resets exactly those, one PUT each with use_inherited_settings.
	srv.ResetRequests()
	cli(t, e, "inherit", "slack", "--projects-in", "acme", "--yes", "-q").ok(t)
	var put []string
	for _, req := range srv.Requests() {
		if req.Method == "GET" {
			continue
		}
		p, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(req.Path, "/api/v4/projects/"), "/integrations/slack"))
		put = append(put, req.Method+" "+p)
		var body map[string]any
		if err := json.Unmarshal(req.Body, &body); err != nil || body["use_inherited_settings"] != true {
			t.Errorf("%s %s sent %s (%v), want use_inherited_settings true", req.Method, req.Path, req.Body, err)
		}
	}
	sort.Strings(put)
	var wantPut []string
	for _, p := range wantOwn {
		wantPut = append(wantPut, "PUT "+p)
	}
	if strings.Join(put, "\n") != strings.Join(wantPut, "\n") {
		t.Errorf("inherit sent\n%s\nwant\n%s", strings.Join(put, "\n"), strings.Join(wantPut, "\n"))
	}
	if rep := decodeJSON[fleet.OverridesReport](t, cli(t, e, "overrides", "--group", "acme", "-o", "json").ok(t).stdout); len(rep.Integrations) != 1 || len(rep.Integrations[0].Overrides) != 0 {
		t.Errorf("overrides after inherit: %+v", rep)
	}
	r = cli(t, e, "check", "-f", policy).ok(t)
	if r.stdout != "Compliant: 600 checks passed (2 rules on 300 projects and groups).\n" {
		t.Errorf("check after inherit:\n%s", r.stdout)
	}

	// A change of the group: apply --wait waits until the workers have
	// copied it to every project, the reset ones included.
	spec := writeSpec(t, "version: 1\ntargets:\n  - group: acme\n    integrations:\n      slack:\n        webhook: ${env:SLACK_WEBHOOK}\n        channel: \"#ops-deploys\"\n")
	done := make(chan result, 1)
	go func() {
		done <- cli(t, e, "apply", "-f", spec, "--yes", "--wait", "--wait-timeout", "5m", "--wait-interval", "20ms")
	}()
	for srv.PendingPropagations() == 0 {
		select {
		case r := <-done:
			t.Fatalf("apply --wait ended before the group changed: exit %d\n%s", r.code, r.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	srv.FinishPropagation()
	r = <-done
	if r.code != 0 || !strings.Contains(r.stderr, "Propagated to 308 descendants (0 with settings of their own left alone).") {
		t.Errorf("apply --wait: exit %d\n%s", r.code, r.stderr)
	}
	for _, p := range []string{own[1], own[9], projects[150]} {
		a := decodeJSON[[]auditEntry](t, cli(t, e, "audit", "--project", p, "-o", "json").ok(t).stdout)
		if len(a) != 1 || a[0].InheritedFrom != "group:acme" || a[0].Properties["channel"] != "#ops-deploys" {
			t.Errorf("%s after the group's change: %+v", p, a)
		}
	}
	cli(t, e, "check", "-f", policy, "-q").ok(t)
}

// tail is the end of a long output, for a failure message.
func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
