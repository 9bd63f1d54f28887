package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// runOnTerminal runs the tool with stderr on a pseudo-terminal and stdout
// on a pipe, and returns both; the tool must succeed.
func runOnTerminal(t *testing.T, extra []string, args ...string) (stdout, terminal string) {
	t.Helper()
	r := onTerminal(t, false, 120, extra, args...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d\n%s", args, r.code, r.terminal)
	}
	return r.stdout, r.terminal
}

// terminalRun is what a run of the tool on a pseudo-terminal did.
type terminalRun struct {
	code             int
	stdout, terminal string
}

// onTerminal runs the tool with stderr (and stdout too, when allOnTerminal)
// on a pseudo-terminal of cols columns, and returns its exit code, its
// stdout when piped, and what the terminal showed.
func onTerminal(t *testing.T, allOnTerminal bool, cols uint16, extra []string, args ...string) terminalRun {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: cols}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, extra...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, tty, nil
	if allOnTerminal {
		cmd.Stdout = tty
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var term bytes.Buffer
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(&term, ptmx) // ends with EIO once the tool exits
		close(done)
	}()
	err = cmd.Wait()
	r := terminalRun{stdout: out.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the terminal did not close")
	}
	r.terminal = term.String()
	checkNoSecret(t, args, r.stdout+r.terminal)
	return r
}

func TestProgressBarOnTerminalOnly(t *testing.T) {
	e, projects := auditFixture(t)
	args := auditArgs(projects, "-o", "json")
	out, term := runOnTerminal(t, e, args...)
	decodeJSON[[]auditEntry](t, out)
	t.Logf("terminal: %q", term)
	// The bar: its phase, the count of all targets and a rate.
	if !strings.Contains(term, "audit") || !strings.Contains(term, "3/3") || !regexp.MustCompile(`\d+ targets/s`).MatchString(term) {
		t.Errorf("no progress bar on the terminal:\n%q", term)
	}
	// --quiet: nothing on the terminal.
	if _, term := runOnTerminal(t, e, append(args, "--quiet")...); term != "" {
		t.Errorf("--quiet drew %q", term)
	}
	// Piped: nothing of it.
	if r := cli(t, e, args...).ok(t); r.stderr != "" {
		t.Errorf("piped stderr holds %q", r.stderr)
	}
}

// apply without --yes on a terminal asks, and applies only on "yes".
func TestApplyAsksOnTerminal(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	spec := writeSpec(t, twoProjectSpec)
	for _, answer := range []string{"no", "yes"} {
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		cmd := exec.Command(binary, "apply", "-f", spec)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, e...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, tty, tty
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		tty.Close()
		var term bytes.Buffer
		done := make(chan struct{})
		go func() {
			buf := make([]byte, 4096)
			answered := false
			for {
				n, err := ptmx.Read(buf)
				term.Write(buf[:n])
				if !answered && strings.Contains(term.String(), "Only 'yes' applies them: ") {
					answered = true
					_, _ = ptmx.Write([]byte(answer + "\n"))
				}
				if err != nil {
					close(done)
					return
				}
			}
		}()
		err = cmd.Wait()
		<-done
		ptmx.Close()
		checkNoSecret(t, []string{"apply", answer}, out.String()+term.String())
		if !strings.Contains(out.String(), "Plan: 2 to create") {
			t.Errorf("answer %s: the plan was not shown:\n%s", answer, out.String())
		}
		puts := methods(srv)["PUT"]
		if answer == "no" {
			if err == nil || !strings.Contains(term.String(), "apply cancelled: nothing changed") || puts != 0 {
				t.Errorf("answer no: err %v, %d PUT, terminal %q", err, puts, term.String())
			}
		} else if err != nil || puts != 2 {
			t.Errorf("answer yes: err %v, %d PUT, terminal %q", err, puts, term.String())
		}
	}
}
