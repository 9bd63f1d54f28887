package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
)

// TestFakeGitLabServesUntilStopped starts the command, reads its URL and
// token as another program would, uses it, and stops it.
func TestFakeGitLabServesUntilStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, pw, []string{"-token", "glpat-test", "-group", "acme", "-project", "acme/web.site", "-project", "acme/api"})
		pw.Close()
	}()

	lines := bufio.NewScanner(pr)
	var out []string
	for lines.Scan() {
		out = append(out, lines.Text())
		if lines.Text() == "Stop with Ctrl+C." {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.GreaterOrEqual(t, len(out), 2, out)
	url, ok := strings.CutPrefix(out[0], "GITLAB_URL=")
	require.True(t, ok, out[0])
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, url)
	assert.Equal(t, "GITLAB_TOKEN=glpat-test", out[1])
	assert.Contains(t, out, "  group acme (id 1)")
	assert.Contains(t, out, "  project acme/web.site (id 1)")
	assert.Contains(t, out, "  project acme/api (id 2)")
	assert.Contains(t, out, "Try: curl -H 'PRIVATE-TOKEN: glpat-test' "+url+"/api/v4/projects/acme%2Fweb%2Esite/integrations")

	c, err := integrations.NewClient("glpat-test", integrations.WithBaseURL(url), integrations.WithoutRetries())
	require.NoError(t, err)
	_, err = c.Slack.Set(ctx, integrations.Project("acme/web.site"), &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T/B/X"})
	require.NoError(t, err)
	list, err := c.List(ctx, integrations.Group("acme"))
	require.NoError(t, err)
	assert.Empty(t, list)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the context ended")
	}
	_, err = c.List(context.Background(), integrations.Group("acme"))
	assert.Error(t, err, "the server is closed")
}

func TestFakeGitLabBadFlags(t *testing.T) {
	ctx := context.Background()
	var out strings.Builder
	require.ErrorContains(t, run(ctx, &out, []string{"-project", "/bad"}), `-project "/bad": not a valid full path`)
	require.ErrorContains(t, run(ctx, &out, []string{"extra"}), "unexpected arguments")
	require.Error(t, run(ctx, &out, []string{"-no-such-flag"}))
}
