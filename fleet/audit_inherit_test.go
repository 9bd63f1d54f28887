package fleet_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// TestAuditInheritedFrom names the nearest group with settings of its own
// for each inheriting entry, reading the groups above the tree once each.
func TestAuditInheritedFrom(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	for _, p := range []string{"acme/platform/api", "acme/platform/tools/cli", "acme/platform/db"} {
		srv.AddProject(p)
	}
	_, err := c.Slack.Set(ctx, integrations.Group("acme"), &integrations.SlackOptions{Webhook: sentinel, Channel: integrations.Ptr("#acme")})
	require.NoError(t, err)
	_, err = c.Slack.Set(ctx, integrations.Group("acme/platform/tools"), &integrations.SlackOptions{Webhook: sentinel, Channel: integrations.Ptr("#tools"), UseInheritedSettings: integrations.Ptr(false)})
	require.NoError(t, err)
	_, err = c.Slack.Set(ctx, integrations.Project("acme/platform/db"), &integrations.SlackOptions{Webhook: sentinel, Channel: integrations.Ptr("#db"), UseInheritedSettings: integrations.Ptr(false)})
	require.NoError(t, err)
	srv.ResetRequests()

	rep, err := fleet.Audit(ctx, c, []fleet.Target{{ProjectsIn: "acme/platform"}}, fleet.AuditOptions{})
	require.NoError(t, err)
	from := map[string]string{}
	for _, e := range rep.Entries {
		text, _ := e.Scope.MarshalText()
		from[string(text)] = e.InheritedFrom
	}
	assert.Equal(t, map[string]string{
		"group:acme/platform":             "group:acme",
		"group:acme/platform/tools":       "",
		"project:acme/platform/api":       "group:acme",
		"project:acme/platform/db":        "",
		"project:acme/platform/tools/cli": "group:acme/platform/tools",
	}, from)
	// acme, above the tree, is listed once; nothing else outside it.
	var outside []string
	for _, r := range requests(srv) {
		if !strings.Contains(r.Path, "acme%2Fplatform") {
			outside = append(outside, r.Method+" "+r.Path)
		}
	}
	assert.Equal(t, []string{"GET /api/v4/groups/acme/integrations"}, outside)
}

// TestInheritingIsNeverDrift exports a tree whose projects inherit, changes
// the group, and plans the export again: nothing to do, for the
// inheriting ones are "inherit"; a spec giving one settings of its own
// plans an update that stops inheriting.
func TestInheritingIsNeverDrift(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.AddProject("acme/web")
	srv.AddProject("acme/sub/api")
	_, err := c.Slack.Set(ctx, integrations.Group("acme"), &integrations.SlackOptions{Webhook: sentinel, Channel: integrations.Ptr("#acme")})
	require.NoError(t, err)
	spec := parse(t, `version: 1
targets:
  - projects_in: acme
    integrations:
      slack: inherit
`)
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), text(t, p))

	exp, err := fleet.Export(ctx, c, []fleet.Target{{Project: "acme/web"}, {Project: "acme/sub/api"}}, fleet.ExportOptions{})
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, exp.WriteYAML(&out))
	assert.Equal(t, 2, strings.Count(out.String(), "slack: inherit"), out.String())

	_, err = c.Slack.Set(ctx, integrations.Group("acme"), &integrations.SlackOptions{Webhook: sentinel, Channel: integrations.Ptr("#acme-2"), PipelineEvents: integrations.Ptr(true)})
	require.NoError(t, err)
	p, err = fleet.NewPlan(ctx, c, exp, fleet.PlanOptions{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "the group changed, not what inherits it: %s", text(t, p))

	spec = parse(t, `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: ${env:W}
        channel: "#web"
`)
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(map[string]string{"W": sentinel})})
	require.NoError(t, err)
	require.Len(t, p.Changes, 1)
	assert.Equal(t, fleet.Update, p.Changes[0].Action)
	assert.Equal(t, false, p.Changes[0].Send["use_inherited_settings"])
}
