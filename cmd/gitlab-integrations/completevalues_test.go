package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
)

// completed runs cobra's __complete and returns the candidates (before
// any tab) and the directive line.
func completed(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	r := cli(t, nil, append([]string{"__complete"}, args...)...).ok(t)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	var out []string
	for _, l := range lines[:len(lines)-1] {
		out = append(out, strings.SplitN(l, "\t", 2)[0])
	}
	return out, lines[len(lines)-1]
}

// Flag values complete: the formats of each command, slug lists, and
// set's parameter names for the slug given.
func TestCompletionOfValues(t *testing.T) {
	var slugs []string
	for _, in := range integrations.Catalog() {
		slugs = append(slugs, in.Slug)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"plan", "-o", ""}, []string{"text", "table", "json", "yaml", "csv"}},
		{[]string{"apply", "--output", ""}, []string{"table", "json", "yaml", "csv", "jsonl"}},
		{[]string{"audit", "-o", ""}, []string{"table", "json", "yaml", "csv", "html"}},
		{[]string{"list", "-o", ""}, []string{"table", "json", "yaml", "csv"}},
		{[]string{"audit", "--integration", ""}, slugs},
		{[]string{"copy", "--only", ""}, slugs},
		{[]string{"export", "--only", ""}, slugs},
	} {
		got, _ := completed(t, tc.args...)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.args, got, tc.want)
		}
	}
	// After a comma, the list so far stays in front.
	got, directive := completed(t, "audit", "--integration", "jira,sl")
	if !slices.Contains(got, "jira,slack") || len(got) != len(slugs) || !strings.Contains(directive, ":6") {
		t.Errorf("audit --integration jira,sl: %v (%s)", got, directive)
	}
	// set: the slug, then its parameters as name=, without a space after.
	slack, _ := integrations.Resolve("slack")
	var names []string
	for _, p := range slack.Parameters {
		names = append(names, p.Name+"=")
	}
	got, directive = completed(t, "set", "slack", "-p", "acme/web", "")
	if !slices.Equal(got, names) || !strings.Contains(directive, ":6") {
		t.Errorf("set slack: %v (%s), want %v", got, directive, names)
	}
	if got, _ := completed(t, "set", "sla"); !slices.Contains(got, "slack") {
		t.Errorf("set sla: %v", got)
	}
}
