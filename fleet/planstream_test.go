package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlanWriteJSONAndStreamingRead: WriteJSON writes what json.Marshal
// writes, and ReadPlan reads it back, change by change, to the same plan.
func TestPlanWriteJSONAndStreamingRead(t *testing.T) {
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
      emails-on-push:
        recipients: a@example.com
  - project: acme/web
    integrations:
      jira:
        url: https://jira.example.com
        password: ${env:P}
        jira_issue_transition_id: 7
`)
	p, err := fleet.NewPlan(context.Background(), c, spec, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	want, err := json.Marshal(p)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, p.WriteJSON(&buf))
	assert.Equal(t, string(want), buf.String())

	back, err := fleet.ReadPlan(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	again, err := json.Marshal(back)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(again))
	assert.Equal(t, p.Summary, back.Summary)
	assert.Len(t, back.Unresolved, len(p.Unresolved))

	_, err = fleet.ReadPlan(bytes.NewReader(buf.Bytes()[:buf.Len()/2]))
	assert.ErrorContains(t, err, "fleet: read plan: ")
}
