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

// fake serves until interrupted, with the groups above its projects.
func TestFake(t *testing.T) {
	cmd := exec.Command(binary, "fake", "--project", "acme/platform/web", "--project", "acme/api", "--throttle", "1000")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
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
		case l := <-lines:
			if !strings.HasPrefix(l, "GITLAB_URL=http://127.0.0.1:") && !strings.HasPrefix(l, "GITLAB_TOKEN=glpat-") {
				t.Fatalf("fake printed %q", l)
			}
			e = append(e, l)
		case <-time.After(10 * time.Second):
			t.Fatal("fake printed no GITLAB_URL and GITLAB_TOKEN")
		}
	}
	addSecret(strings.TrimPrefix(e[1], "GITLAB_TOKEN="))
	e = append(e, "SLACK_WEBHOOK="+sentinel)
	cli(t, e, "set", "slack", "--project", "acme/platform/web", "-q", "webhook=${env:SLACK_WEBHOOK}").ok(t)
	list := decodeJSON[[]listEntry](t, cli(t, e, "list", "--project", "acme/platform/web", "-o", "json").ok(t).stdout)
	if len(list) != 1 || list[0].Integration != "slack" {
		t.Errorf("list on fake: %+v", list)
	}
	// The group above the project exists: a group integration is inherited.
	cli(t, e, "set", "mattermost", "--group", "acme/platform", "-q", "webhook=${env:SLACK_WEBHOOK}").ok(t)

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("fake on SIGINT: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Stopped. Served 3 requests (GET 1, PUT 2; answers 3×200).") {
		t.Errorf("fake's stderr:\n%s", stderr.String())
	}
	checkNoSecret(t, []string{"fake"}, stderr.String())
}
