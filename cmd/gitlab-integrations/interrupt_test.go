package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// lockedBuffer is a buffer a test reads while the tool writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const fleetSpec = `version: 1
targets:
  - projects_in: acme
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#deploys"
`

// slowFleet is a GitLab of n projects answering each request after
// latency and throttling beyond 150 requests a second (429, which the tool
// waits out and retries), and a spec creating Slack on each.
func slowFleet(t *testing.T, n int, latency time.Duration) (*integrationstest.Server, []string, string) {
	t.Helper()
	srv := integrationstest.NewServer(integrationstest.WithRateLimit(150))
	t.Cleanup(srv.Close)
	for i := 1; i <= n; i++ {
		srv.AddProject(fmt.Sprintf("acme/svc-%03d", i))
	}
	srv.SetLatency(latency)
	return srv, append(env(srv), "SLACK_WEBHOOK="+sentinel), writeSpec(t, fleetSpec)
}

// interrupted is what an interrupted apply printed and did.
type interrupted struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration // from the last signal to the exit
}

// applyAndSignal runs apply on the fleet, calls before (when not nil) and
// sends sigs (the second after gap) once after applied changes were logged
// on stderr, and waits for the tool to end.
func applyAndSignal(t *testing.T, e []string, after int, before func(), gap time.Duration, sigs []syscall.Signal, args ...string) interrupted {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, e...)
	var out, errb lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(errb.String(), "\napplied ")+boolInt(strings.HasPrefix(errb.String(), "applied ")) < after {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no %d changes applied in time; stderr:\n%s", after, errb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if before != nil {
		before()
	}
	var start time.Time
	for i, s := range sigs {
		if i > 0 {
			time.Sleep(gap)
		}
		start = time.Now()
		if err := cmd.Process.Signal(s); err != nil {
			t.Fatal(err)
		}
	}
	err := cmd.Wait()
	r := interrupted{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)} // from the last signal
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	checkNoSecret(t, args, r.stdout+r.stderr)
	return r
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var summaryLine = regexp.MustCompile(`(?m)^Interrupted: (\d+) applied, (\d+) failed(?: \((\d+) may have been applied\))?, (\d+) not started; run plan to see what is left$`)

// checkReport checks that every change is reported with a status that
// holds on the fake, and that the summary line counts them; it returns
// the counts by status.
func checkReport(t *testing.T, srv *integrationstest.Server, r interrupted, total int) map[string]int {
	t.Helper()
	res := decodeJSON[[]resultView](t, r.stdout)
	if len(res) != total {
		t.Fatalf("%d results, want one per change (%d)", len(res), total)
	}
	put := map[string]bool{}
	for _, q := range srv.Requests() {
		if q.Method == "PUT" {
			put[q.Path] = true
		}
	}
	srv.SetLatency(0)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, v := range res {
		count[v.Status]++
		scope, err := integrations.ParseScope(v.Scope)
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/v4/projects/" + strings.ReplaceAll(strings.TrimPrefix(v.Scope, "project:"), "/", "%2F") + "/integrations/slack"
		switch v.Status {
		case "applied":
			st, err := c.Slack.Get(context.Background(), scope)
			if err != nil || !st.Active || st.Properties.Channel != "#deploys" {
				t.Errorf("%s reported applied, GitLab has %+v (%v)", v.Scope, st, err)
			}
		case "not started":
			if put[path] {
				t.Errorf("%s reported not started, but its PUT was sent", v.Scope)
			}
		case "failed":
			if !strings.Contains(v.Error, "may have been applied") {
				t.Errorf("%s failed: %s", v.Scope, v.Error)
			}
		default:
			t.Errorf("%s: status %q", v.Scope, v.Status)
		}
	}
	m := summaryLine.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no summary line on stderr:\n%s", r.stderr)
	}
	if m[1] != strconv.Itoa(count["applied"]) || m[2] != strconv.Itoa(count["failed"]) || m[4] != strconv.Itoa(count["not started"]) {
		t.Errorf("summary %q, counted %v", m[0], count)
	}
	if count["applied"]+count["failed"]+count["not started"] != total || count["not started"] == 0 {
		t.Errorf("counts %v of %d", count, total)
	}
	return count
}

// The first SIGINT or SIGTERM lets the changes in flight finish, starts no
// other, records the state file and reports every change: 130 or 143.
func TestApplyInterrupted(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			const total = 300
			srv, e, spec := slowFleet(t, total, 20*time.Millisecond)
			state := filepath.Join(t.TempDir(), "state.json")
			r := applyAndSignal(t, e, 40, nil, 0, []syscall.Signal{tc.sig}, "apply", "-f", spec, "--yes", "-o", "json", "--state", state)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			count := checkReport(t, srv, r, total)
			if count["failed"] != 0 {
				t.Errorf("%d changes failed: the first signal lets those in flight finish", count["failed"])
			}
			data, err := os.ReadFile(state)
			if err != nil || strings.Count(string(data), "project:acme/svc-") != count["applied"] {
				t.Errorf("the state file does not record the %d changes applied (%v):\n%s", count["applied"], err, data)
			}
			throttled := 0
			for _, q := range srv.Requests() {
				if q.Status == 429 {
					throttled++
				}
			}
			t.Logf("%s: %s (%d requests, %d answered 429)", tc.sig, summaryLine.FindString(r.stderr), len(srv.Requests()), throttled)
		})
	}
}

// A second signal cancels the requests in flight at once; the report is
// still printed.
func TestApplySecondSignal(t *testing.T) {
	const total = 300
	srv, e, spec := slowFleet(t, total, 20*time.Millisecond)
	// Every answer now takes 10 s: the changes started from now on are
	// in flight at the first signal, and only the second can end them
	// sooner.
	slow := func() {
		srv.SetLatency(10 * time.Second)
		time.Sleep(100 * time.Millisecond)
	}
	r := applyAndSignal(t, e, 30, slow, 300*time.Millisecond, []syscall.Signal{syscall.SIGINT, syscall.SIGINT},
		"apply", "-f", spec, "--yes", "-o", "json", "--concurrency", "8")
	if r.code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", r.code, r.stderr)
	}
	if r.elapsed > 3*time.Second {
		t.Errorf("the tool ended %s after the second signal: the requests in flight were not cancelled", r.elapsed)
	}
	count := checkReport(t, srv, r, total)
	if count["failed"] == 0 {
		t.Errorf("no change in flight was cancelled: %v", count)
	}
	t.Logf("second signal: %s (ended %s after it)", summaryLine.FindString(r.stderr), r.elapsed.Round(time.Millisecond))
}

// On a terminal, the bar of an interrupted apply counts changes and ends
// at what was done, not at 100%.
func TestApplyBarStopsWhereApplyStopped(t *testing.T) {
	const total = 300
	srv, e, spec := slowFleet(t, total, 20*time.Millisecond)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	cmd := exec.Command(binary, "apply", "-f", spec, "--yes", "-o", "json")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, e...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var term lockedBuffer
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(&term, ptmx)
		close(done)
	}()
	for !strings.Contains(term.String(), "apply ") || !regexp.MustCompile(`\d\d/300 changes`).MatchString(term.String()) {
		time.Sleep(5 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	<-done
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130", err)
	}
	checkNoSecret(t, []string{"apply"}, out.String()+term.String())
	applied := 0
	for _, v := range decodeJSON[[]resultView](t, out.String()) {
		if v.Status == "applied" {
			applied++
		}
	}
	draws := regexp.MustCompile(`apply +\d+% \[[=> ]+\] (\d+)/300 changes(, [\d.]+ changes/(?:s|min|h))?`).FindAllStringSubmatch(term.String(), -1)
	if len(draws) == 0 {
		t.Fatalf("no bar on the terminal:\n%q", term.String())
	}
	last := draws[len(draws)-1]
	if last[1] != strconv.Itoa(applied) || last[2] == "" {
		t.Errorf("the bar ends at %q, with %d applied", last[0], applied)
	}
	applyPart := term.String()[strings.Index(term.String(), "\rapply "):]
	if strings.Contains(applyPart, "300/300") || strings.Contains(applyPart, "targets") {
		t.Errorf("the bar jumped to the end or counts targets:\n%q", applyPart)
	}
	t.Logf("the bar ends at %q; %d applied on %d requests", last[0], applied, len(srv.Requests()))
}
