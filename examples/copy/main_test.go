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

func TestCopyInMemory(t *testing.T) {
	var out bytes.Buffer
	failed, err := run(context.Background(), &out, nil, func(string) string { return "" })
	require.NoError(t, err, out.String())
	assert.Zero(t, failed)
	for _, p := range []string{"acme/services/billing", "acme/services/search", "acme/services/payments/api", "acme/services/payments/worker"} {
		assert.Regexp(t, `(?m)^`+p+` +emails-on-push +copied$`, out.String())
		assert.Regexp(t, `(?m)^`+p+` +slack +copied$`, out.String())
	}
	assert.Contains(t, out.String(), "8 copies made, 0 failed.\n")
	assert.NotContains(t, out.String(), "hooks.slack.com", "the webhook is never printed")
}

// TestCopySecretsFromEnvironment copies Slack to every project of a group:
// refused, listing the variable, without the webhook; with it, every
// project reports the template's settings.
func TestCopySecretsFromEnvironment(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	c, err := srv.NewClient()
	require.NoError(t, err)
	ctx := context.Background()
	srv.AddProject("acme/template")
	targets := []string{"acme/web", "acme/team/api", "acme/team/deep/worker"}
	for _, p := range targets {
		srv.AddProject(p)
	}
	srv.AddProject("other/outside")
	_, err = c.Slack.Set(ctx, integrations.Project("acme/template"), &integrations.SlackOptions{
		Webhook: "https://hooks.slack.com/services/original", Channel: integrations.Ptr("#ops"),
		PipelineEvents: integrations.Ptr(true), PushEvents: integrations.Ptr(false),
	})
	require.NoError(t, err)

	var out bytes.Buffer
	_, err = copyTo(ctx, &out, c, "acme/template", "acme", "slack", func(string) string { return "" })
	require.ErrorContains(t, err, "secrets missing from the environment: slack needs SLACK_WEBHOOK")

	env := map[string]string{"SLACK_WEBHOOK": "https://hooks.slack.com/services/from-env"}
	failed, err := copyTo(ctx, &out, c, "acme/template", "acme", "", func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Zero(t, failed)
	assert.Contains(t, out.String(), "3 copies made, 0 failed.")
	for _, p := range targets {
		got, err := c.Slack.Get(ctx, integrations.Project(p))
		require.NoError(t, err, p)
		assert.True(t, got.Active, p)
		assert.Equal(t, "#ops", got.Properties.Channel, p)
		assert.True(t, got.PipelineEvents, p)
		assert.False(t, got.PushEvents, p)
	}
	_, err = c.Slack.Get(ctx, integrations.Project("other/outside"))
	require.ErrorIs(t, err, integrations.ErrIntegrationNotFound, "a project outside the group is untouched")
	sent := 0
	for _, r := range srv.Requests() {
		if r.Method == "PUT" && strings.Contains(string(r.Body), "from-env") {
			sent++
		}
	}
	assert.Equal(t, 3, sent, "the webhook from the environment went to each target")
}
