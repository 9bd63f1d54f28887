package fleet_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestApplySetsGroupsBeforeWhatInheritsThem: a spec that sets Mattermost
// up on a group and has its subgroup and projects inherit it is applied in
// one run: the group's change is made (and finished) before anything that
// inherits from it asks GitLab for the group's settings, whatever the
// concurrency. Before the ordering, the inherits ran beside the group's
// Set and GitLab answered "Default integration not found".
func TestApplySetsGroupsBeforeWhatInheritsThem(t *testing.T) {
	srv, c := setup(t, integrationstest.WithLatency(5*time.Millisecond))
	ctx := context.Background()
	srv.AddGroup("acme")
	srv.AddGroup("acme/platform")
	for _, p := range []string{"acme/web", "acme/api", "acme/ops", "acme/platform/db", "acme/platform/cache", "acme/platform/queue"} {
		srv.AddProject(p)
	}
	spec := parse(t, `version: 1
targets:
  - projects_in: acme
    integrations:
      mattermost: inherit
  - group: acme/platform
    integrations:
      mattermost: inherit
  - group: acme
    integrations:
      mattermost:
        webhook: ${env:W}
        channel: "#all"
`)
	lookup := env(map[string]string{"W": "https://mattermost.example.com/hooks/x"})
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	require.Equal(t, fleet.Summary{Create: 1, Inherit: 7}, p.Summary, text(t, p))
	srv.ResetRequests()
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup, Concurrency: 16})
	require.NoError(t, err)
	assert.Zero(t, res.Failed(), "%+v", res.Results)
	assert.Equal(t, 8, res.Applied())

	// The log: the group's PUT first, the subgroup's before any project of it.
	var order []string
	for _, r := range srv.Requests() {
		if r.Method == "PUT" {
			order = append(order, r.Path)
		}
	}
	require.Len(t, order, 8)
	assert.Equal(t, "/api/v4/groups/acme/integrations/mattermost", order[0])
	assert.Equal(t, "/api/v4/groups/acme%2Fplatform/integrations/mattermost", order[1])
	for _, path := range order[2:] {
		assert.True(t, strings.HasPrefix(path, "/api/v4/projects/"), path)
	}

	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), text(t, p))
}

// TestLiteralSecretIsSentAsWritten: a secret written as a plain value in a
// spec means what the spec's grammar says: $${ is a literal "${", sent as
// "${", the same as for any other value.
func TestLiteralSecretIsSentAsWritten(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.AddProject("acme/web")
	spec := parse(t, `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: "https://hooks.example.com/a$${b}"
`)
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	srv.ResetRequests()
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{})
	require.NoError(t, err)
	require.Equal(t, 1, res.Applied(), "%+v", res.Results)
	var body string
	for _, r := range srv.Requests() {
		if r.Method == "PUT" {
			body = string(r.Body)
		}
	}
	assert.Contains(t, body, `"webhook":"https://hooks.example.com/a${b}"`)
}
