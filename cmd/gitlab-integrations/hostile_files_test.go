package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// cliWithin runs the tool like cli, killing it (and failing the test)
// when it has not ended within d.
func cliWithin(t *testing.T, d time.Duration, extra []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v: still running after %v", args, d)
	}
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	checkNoSecret(t, args, r.stdout+r.stderr)
	return r
}

// TestTokenFileIsARegularFileOfAFewKiB: --token-file naming a FIFO (which
// held the tool forever, deaf to SIGINT), a device or a huge file is one
// clear line at once.
func TestTokenFileIsARegularFileOfAFewKiB(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	srv := newServer(t, "acme/web")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 2<<30); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		fifo:        fifo + ": not a regular file (a FIFO)",
		"/dev/zero": "/dev/zero: not a regular file (a character device)",
		big:         big + ": file too large: 2.0 GiB, more than 64 KiB (the most read)",
	} {
		start := time.Now()
		cliWithin(t, 10*time.Second, nil, "list", "--url", srv.URL(), "--token-file", file, "--project", "acme/web").
			fails(t, 1, "reading the token: "+want)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("--token-file %s took %v", file, d)
		}
	}
}

// TestTokenFromStandardInputStopsOnSIGINT: --token-file - waiting on a
// standard input that never ends still ends on SIGINT.
func TestTokenFromStandardInputStopsOnSIGINT(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT")
	}
	srv := newServer(t, "acme/web")
	cmd := exec.Command(binary, "list", "--url", srv.URL(), "--token-file", "-", "--project", "acme/web")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	cmd.Stdin = pr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("interrupted, yet exit status 0")
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("still reading standard input 5 s after SIGINT")
	}
}

// TestValueFileIsARegularFileOfAFewKiB: set key=@FILE naming a FIFO or
// /dev/zero is one clear line at once, nothing sent.
func TestValueFileIsARegularFileOfAFewKiB(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	srv := newServer(t, "acme/web")
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		fifo:        fifo + ": not a regular file (a FIFO)",
		"/dev/zero": "/dev/zero: not a regular file (a character device)",
	} {
		cliWithin(t, 10*time.Second, env(srv), "set", "slack", "--project", "acme/web", "webhook=@"+file).
			fails(t, 1, "webhook: reading a value from a file: "+want)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestSavedPlanIsARegularFile: apply PLANFILE naming a FIFO or a device
// (which held the tool waiting for a writer) is one clear line at once,
// and nothing is sent.
func TestSavedPlanIsARegularFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	srv := newServer(t, "acme/web")
	fifo := filepath.Join(t.TempDir(), "plan.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		fifo:        "reading the plan: " + fifo + ": not a regular file (a FIFO)",
		"/dev/zero": "reading the plan: /dev/zero: not a regular file (a character device)",
	} {
		start := time.Now()
		cliWithin(t, 10*time.Second, env(srv), "apply", file, "--yes").fails(t, 1, want)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("apply %s took %v", file, d)
		}
	}
	for _, r := range srv.Requests() {
		t.Errorf("sent %s %s", r.Method, r.Path)
	}
}
