package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// updateReadme rewrites the README's console sessions with what the tool
// printed: go test ./cmd/gitlab-integrations -run TestReadmeSessions -update-readme
var updateReadme = flag.Bool("update-readme", false, "rewrite the README's console sessions with the tool's output")

// step is one "$ command" of a README console block and what the README
// shows it printing.
type step struct {
	command string
	output  []string
}

// consoleBlock is one ```console block of the README: its steps, and the
// lines of the file it spans (the fence lines excluded).
type consoleBlock struct {
	steps      []step
	start, end int
}

// consoleBlocks reads the ```console blocks of a Markdown file.
func consoleBlocks(lines []string) []consoleBlock {
	var blocks []consoleBlock
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```console" {
			continue
		}
		b := consoleBlock{start: i + 1}
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			if cmd, ok := strings.CutPrefix(lines[i], "$ "); ok {
				b.steps = append(b.steps, step{command: cmd})
			} else if len(b.steps) > 0 {
				s := &b.steps[len(b.steps)-1]
				s.output = append(s.output, lines[i])
			}
		}
		b.end = i
		blocks = append(blocks, b)
	}
	return blocks
}

// The parts of a session that differ from run to run: the fake's port, its
// token (which the README shortens) and the time of a change.
var (
	varyingPort  = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	varyingToken = regexp.MustCompile(`glpat-[A-Za-z0-9_\-]{8,}`)
	varyingTime  = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
)

// finishedLine is the line apply writes to a log per change as it
// finishes: concurrent changes finish in any order.
var finishedLine = regexp.MustCompile(`^(applied|failed|not started) (.*) \[\d+/\d+\]$`)

// normalise makes a session's text comparable between runs: the lines of
// changes as they finish are compared as a set.
func normalise(s string) string {
	s = varyingPort.ReplaceAllString(s, "127.0.0.1:PORT")
	s = varyingToken.ReplaceAllString(s, "glpat-…")
	s = varyingTime.ReplaceAllString(s, "TIME")
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && finishedLine.MatchString(lines[j]) {
			lines[j] = finishedLine.ReplaceAllString(lines[j], "$1 $2 [k/n]")
			j++
		}
		slices.Sort(lines[i:j])
		i = max(j, i+1)
	}
	return strings.Join(lines, "\n")
}

// sessionScript turns a console block into one bash script that runs its
// commands in order, in one shell (so that $?, exported variables and a
// background fake carry over), printing a marker after each command's
// output. A "cat FILE" of a file that does not exist yet shows the input
// the session starts from: the script writes it first. The fake started
// in the background writes its banner to a file the script waits for.
func sessionScript(b consoleBlock, dir string) (string, error) {
	var sc strings.Builder
	sc.WriteString("trap 'kill $(jobs -p) 2>/dev/null' EXIT\nexec 2>&1\n")
	for i, s := range b.steps {
		cmd := s.command
		if name, ok := strings.CutPrefix(cmd, "cat "); ok && !strings.ContainsAny(name, " ;|&$") {
			if _, err := os.Stat(filepath.Join(dir, name)); os.IsNotExist(err) && !strings.HasSuffix(name, ".env") {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(s.output, "\n")+"\n"), 0o600); err != nil {
					return "", err
				}
			}
		}
		if bg, ok := strings.CutSuffix(cmd, " &"); ok {
			banner := fmt.Sprintf(".banner%d", i)
			fmt.Fprintf(&sc, "%s 2>%s &\nfor _ in $(seq 600); do grep -q 'Stop with' %s 2>/dev/null && break; sleep 0.05; done\ncat %s\n", bg, banner, banner, banner)
		} else {
			fmt.Fprintf(&sc, "%s\n", cmd)
		}
		fmt.Fprintf(&sc, "__status=$?; printf '\\n@@step %d\\n'; (exit $__status)\n", i)
	}
	return sc.String(), nil
}

// TestReadmeSessions runs every console session of the README against the
// in-memory GitLab, as a user would type it, and checks that each command
// prints what the README shows (the port, the token and times aside).
func TestReadmeSessions(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	blocks := consoleBlocks(lines)
	if len(blocks) == 0 {
		t.Fatal("the README has no console session")
	}
	bin := filepath.Dir(binary)
	for bi := len(blocks) - 1; bi >= 0; bi-- { // from the end, so that rewriting keeps earlier line numbers
		b := blocks[bi]
		dir := t.TempDir()
		script, err := sessionScript(b, dir)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8", "TERM=dumb"}
		out, _ := cmd.CombinedOutput()
		got := splitSteps(string(out), len(b.steps))
		var rewritten []string
		for i, s := range b.steps {
			want := normalise(strings.Join(s.output, "\n"))
			have := normalise(got[i])
			if have != want {
				if !*updateReadme {
					t.Errorf("README line %d: $ %s\nREADME shows:\n%s\nthe tool printed:\n%s", b.start+1, s.command, want, have)
				}
			}
			rewritten = append(rewritten, "$ "+s.command)
			shown := varyingToken.ReplaceAllString(strings.TrimSuffix(got[i], "\n"), "glpat-…")
			if have == want {
				shown = strings.Join(s.output, "\n") // keep the README's port and times
			}
			if shown != "" {
				rewritten = append(rewritten, strings.Split(shown, "\n")...)
			}
		}
		if *updateReadme {
			lines = append(lines[:b.start], append(rewritten, lines[b.end:]...)...)
		}
	}
	if *updateReadme {
		if err := os.WriteFile("../../README.md", []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// splitSteps cuts a session's output at the markers the script printed,
// into n parts (missing ones empty, when the shell stopped early).
func splitSteps(out string, n int) []string {
	parts := make([]string, n)
	rest := out
	for i := range n {
		marker := fmt.Sprintf("\n@@step %d\n", i)
		before, after, ok := strings.Cut(rest, marker)
		if !ok {
			parts[i] = strings.TrimSuffix(rest, "\n")
			break
		}
		parts[i] = string(bytes.TrimSuffix([]byte(before), []byte("\n")))
		rest = after
	}
	return parts
}
