package fleet_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// valuesFor returns settings for every parameter of an integration that
// current GitLab takes, none at its default: secrets hold the sentinel.
func valuesFor(info integrations.IntegrationInfo) integrations.Values {
	v := integrations.Values{}
	for i, p := range info.Parameters {
		if p.Ignored || p.Name == "use_inherited_settings" {
			continue
		}
		switch {
		case p.Secret:
			v[p.Name] = sentinel + "-" + p.Name
		case p.Type == integrations.TypeBoolean:
			v[p.Name] = i%2 == 0
		case p.Type == integrations.TypeInteger && len(p.AllowedValues) > 0:
			v[p.Name] = p.AllowedValues[len(p.AllowedValues)-1]
		case p.Type == integrations.TypeInteger:
			v[p.Name] = int64(7 + i)
		case p.Type == integrations.TypeStringList:
			v[p.Name] = []string{"B", "A"}
		case p.CommaList:
			v[p.Name] = strings.Join(p.AllowedValues[:2], ", ")
		case len(p.AllowedValues) > 0:
			v[p.Name] = p.AllowedValues[len(p.AllowedValues)-1]
		default:
			v[p.Name] = "https://example.com/" + p.Name
		}
		if s, ok := v[p.Name].(string); ok && p.Pattern != "" && p.Check(s) != nil {
			v[p.Name] = patternSample(p)
		}
	}
	return v
}

// patternSample is a value of a parameter with a Pattern (Datadog's
// api_key and site, Telegram's thread, Harbor's project name).
func patternSample(p integrations.ParameterInfo) string {
	for _, s := range []string{"SENTINEL_s3cr3t_" + p.Name, "datadoghq.eu", "4242", "acme-web"} {
		if p.Check(s) == nil {
			return s
		}
	}
	panic(p.Name + ": no sample matches " + p.Pattern)
}

// TestExportThenPlanShowsNoChanges sets up every integration the
// in-memory GitLab serves, on a project and on a group where GitLab offers
// it, exports, and plans the export: nothing changes, no secret leaks.
func TestExportThenPlanShowsNoChanges(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	var targets []fleet.Target
	n := 0
	for _, info := range integrations.Catalog() {
		if info.RemovedIn != "" {
			continue
		}
		d, err := c.Integration(info.Slug)
		require.NoError(t, err)
		for _, group := range []bool{false, true} {
			if group && !info.Group {
				continue
			}
			path := "users/" + info.Slug
			scope := integrations.Project(path)
			if group {
				path = "groups-" + info.Slug
				srv.AddGroup(path)
				scope = integrations.Group(path)
				targets = append(targets, fleet.Target{Group: path})
			} else {
				srv.AddProject(path)
				targets = append(targets, fleet.Target{Project: path})
			}
			if info.Slug == "gitlab-slack-application" || info.Slug == "jira-cloud-app" {
				require.NoError(t, srv.InstallApp(path, info.Slug))
			}
			_, err = d.Set(ctx, scope, valuesFor(info))
			require.NoError(t, err, "%s on %s", info.Slug, path)
			n++
		}
	}
	spec, err := fleet.Export(ctx, c, targets, fleet.ExportOptions{})
	require.NoError(t, err)
	require.Len(t, spec.Targets, n)
	var yml bytes.Buffer
	require.NoError(t, spec.WriteYAML(&yml))
	assert.NotContains(t, yml.String(), "SENTINEL")
	back, err := fleet.ParseSpec("export.yaml", yml.Bytes())
	require.NoError(t, err)

	srv.ResetRequests()
	p, err := fleet.NewPlan(ctx, c, back, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	assert.Equal(t, fleet.Summary{NoOp: n}, p.Summary, text(t, p))
	// A List and a Get per scope, each has one integration.
	assert.Len(t, srv.Requests(), 2*n)
	var out bytes.Buffer
	require.NoError(t, p.WriteText(&out))
	assert.NotContains(t, out.String(), "SENTINEL")
}

func TestExportNamesSecretsReadably(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.AddGroup("acme")
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: sentinel, Channel: integrations.Ptr("#web")})
	require.NoError(t, err)
	_, err = c.Jira.Set(ctx, integrations.Project("acme/web"), &integrations.JiraOptions{URL: "https://jira", Password: sentinel})
	require.NoError(t, err)
	_, err = c.Jira.Set(ctx, integrations.Project("acme/api"), &integrations.JiraOptions{URL: "https://jira", Password: sentinel})
	require.NoError(t, err)
	_, err = c.Mattermost.Set(ctx, integrations.Group("acme"), &integrations.MattermostOptions{Webhook: sentinel})
	require.NoError(t, err)
	_, err = c.Mattermost.Set(ctx, integrations.Project("acme/api"), &integrations.MattermostOptions{Webhook: "x", UseInheritedSettings: integrations.Ptr(true)})
	require.NoError(t, err)

	spec, err := fleet.Export(ctx, c, []fleet.Target{{Project: "acme/web"}, {Project: "acme/api"}, {Group: "acme"}}, fleet.ExportOptions{Only: []string{"slack", "jira", "mattermost"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"${env:ACME_API_JIRA_PASSWORD}", "${env:ACME_WEB_JIRA_PASSWORD}", "${env:MATTERMOST_WEBHOOK}", "${env:SLACK_WEBHOOK}"}, spec.SecretRefs())
	var yml bytes.Buffer
	require.NoError(t, spec.WriteYAML(&yml))
	assert.Contains(t, yml.String(), `  - project: acme/api
    integrations:
      jira:
        url: https://jira
`)
	assert.Contains(t, yml.String(), "        password: ${env:ACME_API_JIRA_PASSWORD}\n")
	assert.Contains(t, yml.String(), "      mattermost: inherit\n")
	assert.Contains(t, yml.String(), `      slack:
        webhook: ${env:SLACK_WEBHOOK}
`)
	assert.Contains(t, yml.String(), `        channel: '#web'
`)
	assert.NotContains(t, yml.String(), "SENTINEL")
}

var _ = integrationstest.NewServer
