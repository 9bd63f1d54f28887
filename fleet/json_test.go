package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanJSON(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	ctx := context.Background()
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: "https://hooks.example.com/x", Channel: integrations.Ptr("#old")})
	require.NoError(t, err)
	st, err := c.Slack.Get(ctx, integrations.Project("acme/web"))
	require.NoError(t, err)
	spec := parse(t, `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#new"
      emails-on-push: absent
`)
	// SLACK_WEBHOOK is not set where this plan is made: the plan holds,
	// and lists it for apply.
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	b, err := json.Marshal(p)
	require.NoError(t, err)
	stamp, _ := st.UpdatedAt.MarshalJSON()
	assert.JSONEq(t, `{"version":1,"changes":[
		{"scope":"project:acme/web","integration":"emails-on-push","action":"no-op","where":"fleet.yaml:8"},
		{"scope":"project:acme/web","integration":"slack","action":"update","where":"fleet.yaml:5",
		 "fields":[{"name":"channel","from":"#old","to":"#new"}],
		 "updated_at":`+string(stamp)+`,
		 "send":{"channel":"#new","webhook":"${env:SLACK_WEBHOOK}"}}],
		"summary":{"create":0,"update":1,"disable":0,"inherit":0,"no_op":1},
		"unresolved":[{"reference":"${env:SLACK_WEBHOOK}","where":"fleet.yaml:6","needed_by":["project:acme/web slack"]}]}`, string(b))
	back, err := fleet.ReadPlan(bytesReader(b))
	require.NoError(t, err)
	assert.Equal(t, "fleet.yaml:5", back.Changes[1].Where)
	require.NoError(t, err)
	assert.Equal(t, p.Changes[1].Send, back.Changes[1].Send)
	assert.True(t, p.Changes[1].UpdatedAt.Equal(back.Changes[1].UpdatedAt))
	_, err = fleet.ReadPlan(bytesReader([]byte(`{"version":1,"changes":[{"scope":"project:a/b","integration":"slakc","action":"update"}]}`)))
	assert.ErrorIs(t, err, integrations.ErrValidation)
	assert.EqualError(t, err, `fleet: read plan: invalid request: change 0: unknown integration "slakc"`)
	_, err = fleet.ReadPlan(bytesReader([]byte(`{"version":1,"changes":[{"integration":"slack","action":"nope","send":{"channel":{"a":1}}}]}`)))
	assert.EqualError(t, err, `fleet: read plan: invalid request: change 0: no scope; change 0: unknown action "nope"; change 0: slack.channel: want a string, not a mapping`)
	_, err = fleet.ReadPlan(bytesReader([]byte(`{"version":2}`)))
	assert.EqualError(t, err, `fleet: read plan: invalid request: version 2 is not known (want 1)`)
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
