package fleet_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

// overrideTree is acme with Slack on the group, acme/web overriding its
// channel and flags, acme/sub with its own Slack and acme/sub/api under it
// overriding nothing readable (same settings, its own secret).
func overrideTree(t *testing.T, opts ...integrationstest.Option) (*integrationstest.Server, *integrations.Client) {
	t.Helper()
	srv, c := setup(t, opts...)
	ctx := context.Background()
	for _, p := range []string{"acme/web", "acme/docs", "acme/sub/api", "acme/sub/db"} {
		srv.AddProject(p)
	}
	set := func(scope integrations.Scope, o *integrations.SlackOptions) {
		t.Helper()
		o.Webhook = sentinel
		o.UseInheritedSettings = integrations.Ptr(false)
		_, err := c.Slack.Set(ctx, scope, o)
		require.NoError(t, err)
	}
	set(integrations.Group("acme"), &integrations.SlackOptions{Channel: integrations.Ptr("#acme")})
	srv.FinishPropagation()
	set(integrations.Project("acme/web"), &integrations.SlackOptions{Channel: integrations.Ptr("#web"), PipelineEvents: integrations.Ptr(true)})
	set(integrations.Group("acme/sub"), &integrations.SlackOptions{Channel: integrations.Ptr("#sub")})
	srv.FinishPropagation()
	set(integrations.Project("acme/sub/api"), &integrations.SlackOptions{Channel: integrations.Ptr("#sub")})
	return srv, c
}

func TestOverrides(t *testing.T) {
	_, c := overrideTree(t)
	rep, err := fleet.Overrides(context.Background(), c, "acme", fleet.OverridesOptions{})
	require.NoError(t, err)
	require.Len(t, rep.Integrations, 1)
	oi := rep.Integrations[0]
	assert.Equal(t, "slack", oi.Integration)
	assert.Equal(t, []string{"group:acme", "group:acme/sub"}, oi.Groups)
	got := map[string]fleet.Override{}
	for _, o := range oi.Overrides {
		text, _ := o.Scope.MarshalText()
		got[string(text)] = o
	}
	require.Len(t, got, 3, "%+v", oi.Overrides)
	assert.Equal(t, "group:acme", got["project:acme/web"].WouldInheritFrom)
	assert.Equal(t, []fleet.Difference{
		{Field: "pipeline_events", Own: true, Inherited: false},
		{Field: "channel", Own: "#web", Inherited: "#acme"},
	}, got["project:acme/web"].Differences)
	assert.Equal(t, "group:acme", got["group:acme/sub"].WouldInheritFrom)
	assert.Equal(t, []fleet.Difference{{Field: "channel", Own: "#sub", Inherited: "#acme"}}, got["group:acme/sub"].Differences)
	// Its own settings, the same as acme/sub's readable ones: only secrets
	// can differ.
	assert.Equal(t, "group:acme/sub", got["project:acme/sub/api"].WouldInheritFrom)
	assert.Empty(t, got["project:acme/sub/api"].Differences)

	// --integration reads with Get and finds a disabled override too.
	_, err = c.Slack.Set(context.Background(), integrations.Project("acme/docs"), &integrations.SlackOptions{Webhook: sentinel, UseInheritedSettings: integrations.Ptr(false)})
	require.NoError(t, err)
	require.NoError(t, c.Slack.Delete(context.Background(), integrations.Project("acme/docs")))
	rep, err = fleet.Overrides(context.Background(), c, "acme", fleet.OverridesOptions{Integration: "Slack"})
	require.NoError(t, err)
	var docs *fleet.Override
	for i, o := range rep.Integrations[0].Overrides {
		if text, _ := o.Scope.MarshalText(); string(text) == "project:acme/docs" {
			docs = &rep.Integrations[0].Overrides[i]
		}
	}
	require.NotNil(t, docs)
	assert.Equal(t, []fleet.Difference{{Field: "active", Own: false, Inherited: true}}, docs.Differences)
}

func TestWaitPropagated(t *testing.T) {
	srv, c := overrideTree(t, integrationstest.WithPropagationDelay(time.Hour))
	ctx := context.Background()
	spec := parse(t, `version: 1
targets:
  - group: acme
    integrations:
      slack:
        webhook: ${env:W}
        channel: "#acme-2"
`)
	lookup := env(map[string]string{"W": sentinel})
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup})
	require.NoError(t, err)

	var events []fleet.Event
	rep, err := fleet.WaitPropagated(ctx, c, res, fleet.WaitOptions{Timeout: 50 * time.Millisecond, Interval: 10 * time.Millisecond,
		Progress: func(e fleet.Event) { events = append(events, e) }})
	require.ErrorIs(t, err, fleet.ErrNotPropagated)
	// acme/docs inherits; acme/web has its own; acme/sub and what is below
	// it are not reached by acme's copy.
	assert.Equal(t, 1, rep.Waited)
	require.Len(t, rep.Pending, 1)
	assert.Equal(t, fleet.PendingPropagation{Scope: integrations.Project("acme/docs"), Integration: "slack", Group: "group:acme",
		Reason: "channel is #acme, the group's #acme-2"}, rep.Pending[0])
	require.NotEmpty(t, events)
	assert.Equal(t, fleet.Event{Phase: "wait", Done: 0, Total: 1}, events[0])

	srv.FinishPropagation()
	rep, err = fleet.WaitPropagated(ctx, c, res, fleet.WaitOptions{Timeout: time.Second, Interval: 10 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, &fleet.WaitReport{Waited: 1, Propagated: 1, Own: 1, Pending: []fleet.PendingPropagation{}}, rep)
}
