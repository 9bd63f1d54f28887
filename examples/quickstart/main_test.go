package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestQuickstartInMemory(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, env(nil)))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 10, out.String())
	assert.Regexp(t, `^GITLAB_URL and GITLAB_TOKEN are not set: using an in-memory GitLab at http://127\.0\.0\.1:\d+, project acme/web\.$`, lines[0])
	assert.Equal(t, []string{
		"1. Set up Slack notifications: active=true channel=#deploys branches=default_and_protected",
		"2. Read them back: channel=#deploys pipeline_events=true push_events=false (the webhook URL is a secret: GitLab never returns it)",
		"3. Active integrations: slack",
		"4. Validation error, caught before sending anything:",
		"     url: is required (GitLab needs it on every Set, updates included)",
		"     password: is required (GitLab needs it on every Set, updates included)",
		"5. Not found: Jira was never set up on acme/web (errors.Is(err, integrations.ErrIntegrationNotFound))",
		`6. Disabled Slack notifications: active=false channel=""`,
		"Done. To run this session on your GitLab, set GITLAB_URL, GITLAB_TOKEN and GITLAB_PROJECT.",
	}, lines[1:10])
}

// TestQuickstartOnAGivenGitLab takes the path a real GitLab takes, with an
// in-memory one standing in for it.
func TestQuickstartOnAGivenGitLab(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	srv.AddProject("team/app")
	vars := map[string]string{"GITLAB_URL": srv.URL(), "GITLAB_TOKEN": srv.Token(), "GITLAB_PROJECT": "team/app"}

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, env(vars)))
	assert.Contains(t, out.String(), "Using GitLab at "+srv.URL()+"/api/v4, project team/app.\n")
	assert.Contains(t, out.String(), "6. Disabled Slack notifications: active=false")
	assert.True(t, strings.HasSuffix(out.String(), "Done.\n"))

	// Slack already active: the quickstart changes nothing.
	c, err := srv.NewClient()
	require.NoError(t, err)
	_, err = c.Slack.Set(context.Background(), integrations.Project("team/app"), &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/A/B/C", Channel: integrations.Ptr("#team")})
	require.NoError(t, err)
	srv.ResetRequests()
	err = run(context.Background(), &out, env(vars))
	require.ErrorContains(t, err, "the Slack notifications of team/app are already active")
	for _, r := range srv.Requests() {
		assert.Equal(t, "GET", r.Method, "nothing but reads")
	}

	vars["GITLAB_PROJECT"] = "team/nope"
	err = run(context.Background(), &out, env(vars))
	require.ErrorIs(t, err, integrations.ErrProjectNotFound)
}

func TestQuickstartEnvironmentErrors(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, env(map[string]string{"GITLAB_URL": "https://gitlab.example.com"}))
	require.EqualError(t, err, "set both GITLAB_URL and GITLAB_TOKEN, or neither to use an in-memory GitLab")
	err = run(context.Background(), &out, env(map[string]string{"GITLAB_URL": "https://gitlab.example.com", "GITLAB_TOKEN": "glpat-x"}))
	require.ErrorContains(t, err, "GITLAB_PROJECT is not set")
	assert.Empty(t, out.String(), "nothing was printed or sent")
}
