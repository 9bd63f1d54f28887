package fleet_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADMEWalkthrough runs the README's fleet spec on the GitLab its
// walkthrough describes and checks that the plan prints as the README
// shows it, and that a plan after apply prints the line it quotes.
func TestREADMEWalkthrough(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	section := string(data)
	start := strings.Index(section, "## Fleet: desired state")
	require.GreaterOrEqual(t, start, 0)
	section = section[start:]
	block := func(after, fence string) string {
		i := strings.Index(section, after)
		require.GreaterOrEqual(t, i, 0, after)
		rest := section[i+len(after):]
		j := strings.Index(rest, fence)
		require.GreaterOrEqual(t, j, 0)
		rest = rest[j+len(fence):]
		end := strings.Index(rest, "```")
		return rest[:end]
	}
	specText := block("## Fleet: desired state", "```yaml\n")
	planText := block("the plan prints", "```\n")

	// The group's Mattermost has not reached its projects yet: GitLab
	// copies it in the background, and the walkthrough's plan is read
	// before it has.
	srv, c := setup(t, integrationstest.WithPropagationDelay(time.Hour))
	ctx := context.Background()
	srv.AddGroup("acme")
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	_, err = c.Slack.Set(ctx, integrations.Project("acme/api"), &integrations.SlackOptions{Webhook: "https://hooks.example.com/x", Channel: integrations.Ptr("#api")})
	require.NoError(t, err)
	_, err = c.EmailsOnPush.Set(ctx, integrations.Project("acme/web"), &integrations.EmailsOnPushOptions{Recipients: "old@example.com"})
	require.NoError(t, err)
	_, err = c.Mattermost.Set(ctx, integrations.Group("acme"), &integrations.MattermostOptions{Webhook: "https://hooks.example.com/x"})
	require.NoError(t, err)

	spec, err := fleet.ParseSpec("fleet.yaml", []byte(specText))
	require.NoError(t, err)
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	assert.Equal(t, planText, text(t, p))
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: env(map[string]string{"SLACK_WEBHOOK": sentinel, "JIRA_TOKEN": sentinel})})
	require.NoError(t, err)
	assert.Equal(t, 0, res.Failed())
	assert.Len(t, res.Results, 5)
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	line := strings.TrimSpace(text(t, p))
	assert.Contains(t, section, "`"+line+"`")
}
