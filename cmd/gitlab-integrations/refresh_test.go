package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitlabkit/integrations/integrationstest"
)

// gets counts the Gets of one integration srv received, and resets its log.
func gets(srv *integrationstest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "GET" && strings.Contains(r.Path, "/integrations/") {
			n++
		}
	}
	srv.ResetRequests()
	return n
}

// TestPlanStateReadsOnlyWhatChanged: with --state, a plan records what it
// read and the next one reads no integration GitLab shows unchanged;
// --refresh reads them all again.
func TestPlanStateReadsOnlyWhatChanged(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel, "GITLAB_INTEGRATIONS_STATE_KEY=0123456789abcdef0123456789abcdef")
	spec := writeSpec(t, twoProjectSpec)
	state := filepath.Join(t.TempDir(), "state.json")
	cli(t, e, "apply", "-f", spec, "--yes", "-q", "--state", state).ok(t)
	// Settled once GitLab's clock is in a later second than the writes.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
	srv.ResetRequests()
	for i, want := range []int{2, 0} {
		r := cli(t, e, "plan", "-f", spec, "--state", state).ok(t)
		if !strings.HasPrefix(r.stdout, "No changes") {
			t.Fatalf("plan %d:\n%s", i, r.stdout)
		}
		if n := gets(srv); n != want {
			t.Errorf("plan %d read %d integrations, want %d", i, n, want)
		}
	}
	cli(t, e, "plan", "-f", spec, "--state", state, "--refresh").ok(t)
	if n := gets(srv); n != 2 {
		t.Errorf("plan --refresh read %d integrations, want 2", n)
	}
}
