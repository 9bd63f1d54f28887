package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sentinel is a secret value that must never appear in any output.
const sentinel = "https://hooks.slack.com/services/T0/B0/SENTINEL-s3cr3t"

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

type request struct{ Method, Path, Body string }

// requests returns what the server received since the last reset, sorted
// (concurrent requests arrive in any order), and resets the log.
func requests(srv *integrationstest.Server) []request {
	var out []request
	for _, r := range srv.Requests() {
		out = append(out, request{r.Method, r.Path, string(r.Body)})
	}
	srv.ResetRequests()
	sortRequests(out)
	return out
}

func sortRequests(rs []request) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && less(rs[j], rs[j-1]); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

func less(a, b request) bool {
	if a.Path != b.Path {
		return a.Path < b.Path
	}
	return a.Method < b.Method
}

func setup(t *testing.T, opts ...integrationstest.Option) (*integrationstest.Server, *integrations.Client) {
	t.Helper()
	srv := integrationstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := srv.NewClient()
	require.NoError(t, err)
	return srv, c
}

func parse(t *testing.T, spec string) *fleet.Spec {
	t.Helper()
	s, err := fleet.ParseSpec("fleet.yaml", []byte(spec))
	require.NoError(t, err)
	return s
}

func text(t *testing.T, p *fleet.Plan) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, p.WriteText(&b))
	return b.String()
}

const webAPISpec = `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#deploys"
        pipeline_events: true
        push_events: false
        work_item_events: true
      emails-on-push: absent
  - project: acme/api
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#api"
`

func TestPlanApplyThenNoChanges(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	// emails-on-push is on for web.
	_, err := c.EmailsOnPush.Set(ctx, integrations.Project("acme/web"), &integrations.EmailsOnPushOptions{Recipients: "a@example.com"})
	require.NoError(t, err)
	srv.ResetRequests()

	spec := parse(t, webAPISpec)
	// Nothing to compare needs the secret: the plan runs without it.
	var planEvents []fleet.Event
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(nil), Progress: func(e fleet.Event) { planEvents = append(planEvents, e) }})
	require.NoError(t, err)
	require.Len(t, planEvents, 2)
	assert.Equal(t, fleet.Event{Phase: "plan", Done: 2, Total: 2, Scope: planEvents[1].Scope}, planEvents[1])
	// One List per scope; nothing active is managed present, so no Get.
	assert.Equal(t, []request{
		{"GET", "/api/v4/projects/acme%2Fapi/integrations", ""},
		{"GET", "/api/v4/projects/acme%2Fweb/integrations", ""},
	}, requests(srv))
	assert.Equal(t, fleet.Summary{Create: 2, Disable: 1}, p.Summary)
	assert.Equal(t, `+ project:acme/api slack (create)
    + webhook: (secret)
    + channel: "#api"
    ! apply will need SLACK_WEBHOOK, not set here (fleet.yaml:15)
- project:acme/web emails-on-push (disable)
+ project:acme/web slack (create)
    + webhook: (secret)
    + channel: "#deploys"
    + push_events: false
    + pipeline_events: true
    + work_item_events: true
    # work_item_events: cannot be verified (GitLab accepts it but never reports it); sent with every change
    ! apply will need SLACK_WEBHOOK, not set here (fleet.yaml:6)

Apply will need 1 reference not resolvable here: ${env:SLACK_WEBHOOK}.
Plan: 2 to create, 0 to update, 1 to disable, 0 to inherit, 0 unchanged.
`, text(t, p))

	var events []fleet.Event
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: env(map[string]string{"SLACK_WEBHOOK": sentinel}),
		Progress: func(e fleet.Event) { events = append(events, e) }})
	require.NoError(t, err)
	assert.Equal(t, 0, res.Failed())
	assert.Len(t, events, 3)
	assert.Equal(t, 3, events[2].Done)
	assert.Equal(t, 3, events[2].Total)
	// Apply sends exactly what the plan says.
	assert.Equal(t, []request{
		{"PUT", "/api/v4/projects/acme%2Fapi/integrations/slack", `{"channel":"#api","use_inherited_settings":false,"webhook":"` + sentinel + `"}`},
		{"DELETE", "/api/v4/projects/acme%2Fweb/integrations/emails-on-push", ""},
		{"PUT", "/api/v4/projects/acme%2Fweb/integrations/slack", `{"channel":"#deploys","pipeline_events":true,"push_events":false,"use_inherited_settings":false,"webhook":"` + sentinel + `","work_item_events":true}`},
	}, requests(srv))

	p2, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	assert.False(t, p2.HasChanges(), text(t, p2))
	assert.Equal(t, fleet.Summary{NoOp: 3}, p2.Summary)
	// A List per scope, and a Get for each managed integration that is
	// active with its own settings.
	assert.Equal(t, []request{
		{"GET", "/api/v4/projects/acme%2Fapi/integrations", ""},
		{"GET", "/api/v4/projects/acme%2Fapi/integrations/slack", ""},
		{"GET", "/api/v4/projects/acme%2Fweb/integrations", ""},
		{"GET", "/api/v4/projects/acme%2Fweb/integrations/slack", ""},
	}, requests(srv))
	assert.Equal(t, "No changes: GitLab matches the spec (3 unchanged).\n", text(t, p2))

	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.NotContains(t, string(b), sentinel)
	assert.True(t, strings.Contains(string(b), `"scope":"project:acme/web"`), string(b))
}
