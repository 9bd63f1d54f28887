package fleet_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExportNeverMakesAReference: a project maintainer writes text that
// looks like a reference into a Slack channel in GitLab's web page. The
// export keeps it as text ($${), so that planning and applying the
// export (the documented rollback) never reads the operator's
// environment and never sends its token to GitLab.
func TestExportNeverMakesAReference(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.AddProject("acme/web")
	const token = "glpat-OPERATOR-TOKEN"
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{
		Webhook:     sentinel,
		Channel:     integrations.Ptr("${env:GITLAB_TOKEN}"),
		Username:    integrations.Ptr("${deploys}"),
		PushChannel: integrations.Ptr("a $${b} ${file:/etc/passwd}"),
	})
	require.NoError(t, err)

	spec, err := fleet.Export(ctx, c, []fleet.Target{{Project: "acme/web"}}, fleet.ExportOptions{})
	require.NoError(t, err)
	var yml bytes.Buffer
	require.NoError(t, spec.WriteYAML(&yml))
	assert.Contains(t, yml.String(), "channel: $${env:GITLAB_TOKEN}\n")
	assert.Contains(t, yml.String(), "username: $${deploys}\n")
	assert.Equal(t, []string{"${env:SLACK_WEBHOOK}"}, spec.SecretRefs())
	back, err := fleet.ParseSpec("export.yaml", yml.Bytes())
	require.NoError(t, err)

	var mu sync.Mutex
	var looked []string
	lookup := func(k string) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		looked = append(looked, k)
		v, ok := map[string]string{"GITLAB_TOKEN": token, "SLACK_WEBHOOK": sentinel}[k]
		return v, ok
	}
	p, err := fleet.NewPlan(ctx, c, back, fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	assert.Equal(t, fleet.Summary{NoOp: 1}, p.Summary, text(t, p))

	// GitLab's values change; applying the export puts the text back.
	_, err = c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{
		Webhook: sentinel, Channel: integrations.Ptr("#other"), Username: integrations.Ptr("u"), PushChannel: integrations.Ptr("p"),
	})
	require.NoError(t, err)
	p, err = fleet.NewPlan(ctx, c, back, fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	require.Equal(t, fleet.Summary{Update: 1}, p.Summary, text(t, p))
	srv.ResetRequests()
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup})
	require.NoError(t, err)
	require.Zero(t, res.Failed())
	for _, r := range srv.Requests() {
		assert.NotContains(t, string(r.Body), token)
		assert.NotContains(t, string(r.Body), "root:")
	}
	got, err := c.Slack.Get(ctx, integrations.Project("acme/web"))
	require.NoError(t, err)
	assert.Equal(t, "${env:GITLAB_TOKEN}", got.Properties.Channel)
	assert.Equal(t, "${deploys}", got.Properties.Username)
	assert.Equal(t, "a $${b} ${file:/etc/passwd}", got.Properties.PushChannel)
	assert.Equal(t, []string{"SLACK_WEBHOOK"}, slices.Compact(slices.Sorted(slices.Values(looked))), "only the secret's own reference is read")
	assert.False(t, strings.Contains(strings.Join(looked, ","), "GITLAB_TOKEN"))
}
