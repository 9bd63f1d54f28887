package main

import (
	"regexp"
	"strings"
	"testing"
)

// runAllOnTerminal runs the tool with stdout and stderr on a
// pseudo-terminal and returns its exit code and what the terminal showed.
func runAllOnTerminal(t *testing.T, extra []string, args ...string) (int, string) {
	t.Helper()
	r := onTerminal(t, true, 200, extra, args...)
	return r.code, strings.ReplaceAll(r.terminal, "\r\n", "\n")
}

// On a terminal, plan's signs, apply's statuses and errors are coloured;
// piped, with NO_COLOR or --no-color they are not, and GitLab's text never
// carries an escape of its own.
func TestColourOnTerminalOnly(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	// GitLab's text with an escape of its own: a channel name.
	cli(t, e, "set", "slack", "-p", "acme/api", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#ops\x1b[2J").ok(t)
	spec := writeSpec(t, twoProjectSpec)

	code, term := runAllOnTerminal(t, e, "plan", "-f", spec, "-q")
	if code != exitChanges {
		t.Fatalf("plan exit %d:\n%s", code, term)
	}
	for _, want := range []string{
		colourGreen + "+ project:acme/web slack (create)" + colourReset,
		colourYellow + "~ project:acme/api slack (update)" + colourReset,
		colourYellow + `    ~ channel: "#ops\x1b[2J" → "#api"` + colourReset,
	} {
		if !strings.Contains(term, want) {
			t.Errorf("plan on a terminal lacks %q:\n%q", want, term)
		}
	}
	if strings.Count(term, "\x1b") != 2*strings.Count(term, colourReset) {
		t.Errorf("an escape that is not the tool's colour:\n%q", term)
	}
	for _, off := range [][]string{{"NO_COLOR=1"}, nil} {
		args := []string{"plan", "-f", spec}
		if off == nil {
			args = append(args, "--no-color")
		}
		if _, term := runAllOnTerminal(t, append(e, off...), args...); strings.Contains(term, "\x1b[3") {
			t.Errorf("%v %v: colour:\n%q", off, args, term)
		}
	}
	if r := cli(t, e, "plan", "-f", spec); r.code != exitChanges || strings.Contains(r.stdout+r.stderr, "\x1b[3") {
		t.Errorf("piped plan (exit %d) has colour:\n%q", r.code, r.stdout)
	}

	// Errors in red.
	code, term = runAllOnTerminal(t, e, "get", "slack", "-p", "acme/nope")
	if code != 1 || !strings.Contains(term, colourRed+"gitlab-integrations: getting slack on project acme/nope") {
		t.Errorf("error on a terminal (exit %d):\n%q", code, term)
	}
	if _, term := runAllOnTerminal(t, append(e, "NO_COLOR=yes"), "get", "slack", "-p", "acme/nope"); strings.Contains(term, "\x1b") {
		t.Errorf("error with NO_COLOR: %q", term)
	}

	// apply's results by status.
	code, term = runAllOnTerminal(t, e, "apply", "-f", spec, "--yes", "-q")
	if code != 0 || !regexp.MustCompile(`(?m)^\x1b\[32mproject:acme/web +slack +create +applied *\x1b\[0m$`).MatchString(term) {
		t.Errorf("apply on a terminal (exit %d):\n%q", code, term)
	}
}
