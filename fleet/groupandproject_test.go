package fleet_test

import (
	"context"
	"testing"

	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/require"
)

// TestGroupAndProjectOfOneSpec: a spec that sets up an integration on a
// group and, with other settings, on a project below it. The group's wave
// comes first, and GitLab copies its settings to the project, which then
// inherits; the project's create still gives it settings of its own
// (use_inherited_settings false), so apply succeeds and a second plan is
// clean.
func TestGroupAndProjectOfOneSpec(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/api")
	ctx := context.Background()
	spec := parse(t, `version: 1
targets:
  - group: acme
    integrations:
      slack: {webhook: "${env:W}", channel: "#deploys"}
  - project: acme/api
    integrations:
      slack: {webhook: "${env:W}", channel: "#api"}
`)
	lookup := env(map[string]string{"W": sentinel})
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup})
	require.NoError(t, err)
	require.Equal(t, 0, res.Failed(), "%+v", res.Results)
	require.Equal(t, 2, res.Applied())
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	require.False(t, p.HasChanges(), text(t, p))
}
