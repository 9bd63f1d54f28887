package fleet_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "%s (go test ./fleet -run Markdown -update rewrites it)", path)
}

func markdown(t *testing.T, p *fleet.Plan, opts fleet.MarkdownOptions) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, p.WriteMarkdown(&b, opts))
	return b.String()
}

// hostileChannel is a value a project maintainer typed into GitLab: it
// tries to close a code span, end a <details> block, mention everyone,
// add HTML and drive a terminal.
const hostileChannel = "#x`` </details> @all <img src=x onerror=alert(1)> | **bold** \x1b[31m\nline"

func TestMarkdownSmallPlan(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{
		Webhook: sentinel, Channel: integrations.Ptr(hostileChannel),
	})
	require.NoError(t, err)
	_, err = c.EmailsOnPush.Set(ctx, integrations.Project("acme/web"), &integrations.EmailsOnPushOptions{Recipients: "a@example.com"})
	require.NoError(t, err)

	p, err := fleet.NewPlan(ctx, c, parse(t, webAPISpec), fleet.PlanOptions{LookupEnv: env(map[string]string{"SLACK_WEBHOOK": sentinel})})
	require.NoError(t, err)
	got := markdown(t, p, fleet.MarkdownOptions{Header: "<!-- gitlab-integrations:plan -->"})
	golden(t, "markdown_small.md", got)
	assert.NotContains(t, got, sentinel)
	// GitLab's value stays inside code spans: outside them, no raw HTML,
	// no live mention, no control character.
	outside := withoutCodeSpans(got)
	for _, bad := range []string{"<img", "@all", "</details>", "**bold**", "\x1b"} {
		assert.NotContains(t, outside, bad)
	}
	assert.Contains(t, got, "```\"#x`` </details> @all <img src=x onerror=alert(1)> | **bold** \\x1b[31m\\nline\"```")
	// WriteText and WriteMarkdown agree on the counts.
	assert.Contains(t, got, "**Plan:** 1 to create, 1 to update, 1 to disable, 0 to inherit, 0 unchanged.\n")
}

// manyProjectsSpec sets up Slack on every project of acme, the webhook
// from an environment variable the plan does not have.
const manyProjectsSpec = `version: 1
targets:
  - projects_in: acme
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#deploys"
`

func manyProjectsPlan(t *testing.T, n int) *fleet.Plan {
	t.Helper()
	srv, c := setup(t)
	srv.AddGroup("acme")
	for i := 1; i <= n; i++ {
		srv.AddProject(fmt.Sprintf("acme/svc-%03d", i))
	}
	p, err := fleet.NewPlan(context.Background(), c, parse(t, manyProjectsSpec), fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	require.Equal(t, n, p.Summary.Create)
	return p
}

func TestMarkdownLargePlanIsCut(t *testing.T) {
	p := manyProjectsPlan(t, 300)
	const bound = 8000
	got := markdown(t, p, fleet.MarkdownOptions{MaxBytes: bound, ArtifactURL: "https://gitlab.example.com/acme/infra/-/jobs/42/artifacts/file/plan.json"})
	golden(t, "markdown_large.md", got)
	assert.LessOrEqual(t, len(got), bound)
	assert.True(t, strings.HasPrefix(got, "**Plan:** 300 to create, 0 to update"), got[:80])
	assert.Contains(t, got, "<details><summary><code>project:acme/svc-001</code>: 1 change</summary>")
	assert.Contains(t, got, "[the job's artifacts](https://gitlab.example.com/acme/infra/-/jobs/42/artifacts/file/plan.json)")
	// What is shown and what is counted add up to the plan.
	shown := strings.Count(got, "<details>")
	assert.Contains(t, got, fmt.Sprintf("%d of 300 changes", 300-shown))
	assert.Greater(t, shown, 10)

	// The default bound holds too, and cuts a big plan.
	full := markdown(t, p, fleet.MarkdownOptions{})
	assert.LessOrEqual(t, len(full), fleet.DefaultMarkdownSize)
}

func TestMarkdownUncutPlanListsEverything(t *testing.T) {
	p := manyProjectsPlan(t, 12)
	got := markdown(t, p, fleet.MarkdownOptions{})
	assert.Equal(t, 12, strings.Count(got, "<details>"))
	assert.Equal(t, 12, strings.Count(got, "</details>"))
	assert.NotContains(t, got, "Not shown here")
	assert.Contains(t, got, "### Apply will need\n")
	assert.Contains(t, got, "- `${env:SLACK_WEBHOOK}` (`fleet.yaml:6`), needed by 12 changes\n")
}

func TestMarkdownNeverShowsSecrets(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	ctx := context.Background()
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: sentinel + "-old", Channel: integrations.Ptr("#old")})
	require.NoError(t, err)
	state := filepath.Join(t.TempDir(), "state.json")
	// A secret from the environment, a secret written as a plain value,
	// and a state file, so that the secret's change is reported.
	spec := `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#new"
      jira:
        url: https://jira.example.com
        username: bot
        password: ` + sentinel + `-literal
`
	lookup := env(map[string]string{"SLACK_WEBHOOK": sentinel})
	p, err := fleet.NewPlan(ctx, c, parse(t, spec), fleet.PlanOptions{LookupEnv: lookup, StateFile: state})
	require.NoError(t, err)
	_, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup, StateFile: state})
	require.NoError(t, err)
	lookup = env(map[string]string{"SLACK_WEBHOOK": sentinel + "-rotated"})
	p, err = fleet.NewPlan(ctx, c, parse(t, strings.Replace(spec, "#new", "#newer", 1)), fleet.PlanOptions{LookupEnv: lookup, StateFile: state})
	require.NoError(t, err)
	got := markdown(t, p, fleet.MarkdownOptions{})
	assert.NotContains(t, got, "SENTINEL")
	assert.NotContains(t, got, "s3cr3t")
	assert.Contains(t, got, "`webhook`: `(secret)` → `(secret)`")
}

func TestMarkdownNilPlan(t *testing.T) {
	var p *fleet.Plan
	assert.Error(t, p.WriteMarkdown(&bytes.Buffer{}, fleet.MarkdownOptions{}))
}

// withoutCodeSpans removes the code spans of Markdown text as CommonMark
// reads them: a run of backticks up to the next run of the same length.
func withoutCodeSpans(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '`' {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		fence := strings.Repeat("`", n)
		j := i + n
		end := -1
		for j < len(s) {
			k := strings.Index(s[j:], fence)
			if k < 0 {
				break
			}
			k += j
			if (k+n == len(s) || s[k+n] != '`') && (s[k-1] != '`') {
				end = k
				break
			}
			for k < len(s) && s[k] == '`' {
				k++
			}
			j = k
		}
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		i = end + n
	}
	return b.String()
}
