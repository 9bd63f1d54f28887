package integrations

import (
	"bufio"
	"os"
	"os/exec"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// layoutRows returns the paths the README's Layout table names, each
// cell's code spans split out ("`a.go`, `b.go`" is two).
func layoutRows(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []string
	in := false
	span := regexp.MustCompile("`([^`]+)`")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "## Layout":
			in = true
		case in && strings.HasPrefix(line, "## "):
			return rows
		case in && strings.HasPrefix(line, "| `"):
			first := strings.SplitN(strings.TrimPrefix(line, "|"), "|", 2)[0]
			for _, m := range span.FindAllStringSubmatch(first, -1) {
				rows = append(rows, m[1])
			}
		}
	}
	if !in {
		t.Fatal("README.md has no ## Layout section")
	}
	return rows
}

// topLevel returns the repository's tracked top-level entries: files by
// name, folders with a trailing "/".
func topLevel(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("git", "ls-files").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	seen := map[string]bool{}
	for _, p := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if head, _, nested := strings.Cut(p, "/"); nested {
			seen[head+"/"] = true
		} else if p != "" {
			seen[p] = true
		}
	}
	var entries []string
	for e := range seen {
		if _, err := os.Lstat(strings.TrimSuffix(e, "/")); err == nil { // tracked, not deleted in the work tree
			entries = append(entries, e)
		}
	}
	sort.Strings(entries)
	return entries
}

// generatedFile reports whether a top-level Go file says it is generated.
func generatedFile(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	return sc.Scan() && strings.HasPrefix(sc.Text(), "// Code generated ") && strings.HasSuffix(sc.Text(), "DO NOT EDIT.")
}

// TestReadmeLayoutListsEveryTopLevelEntry: the Layout table names every
// tracked top-level file and folder (generated per-integration files as
// <integration>.go, tests as *_test.go), and nothing that is not there.
func TestReadmeLayoutListsEveryTopLevelEntry(t *testing.T) {
	rows := layoutRows(t)
	entries := topLevel(t)
	used := map[string]bool{}
	for _, e := range entries {
		covered := false
		for _, r := range rows {
			match := r == e || strings.TrimSuffix(r, "/") == strings.TrimSuffix(e, "/") && strings.HasSuffix(e, "/") ||
				r == "<integration>.go" && strings.HasSuffix(e, ".go") && !strings.HasSuffix(e, "_test.go") && generatedFile(e)
			if !match && strings.ContainsAny(r, "*?") && !strings.Contains(r, "/") {
				match, _ = path.Match(r, e)
			}
			// A row naming a path inside a folder ("internal/suggest/",
			// ".ci/run") covers that folder.
			if !match && strings.HasSuffix(e, "/") && strings.HasPrefix(r, e) {
				match = true
			}
			if match {
				covered, used[r] = true, true
			}
		}
		if !covered {
			t.Errorf("README Layout does not list %s", e)
		}
	}
	for _, r := range rows {
		if !used[r] {
			if _, err := os.Lstat(strings.TrimSuffix(r, "/")); err != nil {
				t.Errorf("README Layout lists %s, which is not in the repository", r)
			}
		}
	}
}
