package fleet_test

import (
	"context"
	"testing"

	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSharedCreatesKeepEachPlacesValues: the creates of a projects_in
// target share their fields and values, and a later target that sets
// another value on one of its projects changes that project's only; a
// secret written as a plain value is taken out of that change alone.
func TestSharedCreatesKeepEachPlacesValues(t *testing.T) {
	srv, c := setup(t)
	for _, p := range []string{"acme/api", "acme/db", "acme/web"} {
		srv.AddProject(p)
	}
	spec := parse(t, `version: 1
targets:
  - projects_in: acme
    integrations:
      slack:
        webhook: ${env:W}
        channel: '#all'
  - project: acme/db
    integrations:
      slack:
        pipeline_events: true
  - project: acme/web
    integrations:
      slack:
        channel: '#web'
        webhook: https://hooks.example.com/plain
`)
	p, err := fleet.NewPlan(context.Background(), c, spec, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	require.Len(t, p.Changes, 3)
	for i, want := range []string{"#all", "#all", "#web"} {
		ch := p.Changes[i]
		assert.Equal(t, fleet.Create, ch.Action)
		assert.Equal(t, want, ch.Send["channel"], ch.Scope.String())
		fields := []fleet.FieldChange{{Name: "webhook", To: "(secret)", Secret: true}, {Name: "channel", To: want}}
		if i == 1 {
			fields = append(fields, fleet.FieldChange{Name: "pipeline_events", To: true})
		}
		assert.Equal(t, fields, ch.Fields, ch.Scope.String())
	}
	assert.Equal(t, true, p.Changes[1].Send["pipeline_events"])
	assert.NotContains(t, p.Changes[0].Send, "pipeline_events")
	assert.Equal(t, "${env:W}", p.Changes[0].Send["webhook"])
	assert.Equal(t, "${env:W}", p.Changes[1].Send["webhook"])
	assert.NotContains(t, p.Changes[2].Send, "webhook")
	assert.Equal(t, []string{"webhook"}, p.Changes[2].Withheld)
}
