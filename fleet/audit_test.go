package fleet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// TestAuditMatrix audits a group's projects (include/exclude honoured), a
// project given by path and a group: one entry per scope and integration
// active somewhere, secrets left out, and exactly one List per scope plus a
// Get per active integration.
func TestAuditMatrix(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	for _, p := range []string{"acme/web", "acme/api", "acme/legacy/old", "other/tool"} {
		srv.AddProject(p)
	}
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: sentinel, Channel: integrations.Ptr("#web"), PipelineEvents: integrations.Ptr(true)})
	require.NoError(t, err)
	_, err = c.EmailsOnPush.Set(ctx, integrations.Project("acme/api"), &integrations.EmailsOnPushOptions{Recipients: "ops@example.com"})
	require.NoError(t, err)
	_, err = c.Slack.Set(ctx, integrations.Group("acme"), &integrations.SlackOptions{Webhook: sentinel, Channel: integrations.Ptr("#group")})
	require.NoError(t, err)
	srv.ResetRequests()

	var events []fleet.Event
	rep, err := fleet.Audit(ctx, c, []fleet.Target{
		{ProjectsIn: "acme", Exclude: []string{"acme/legacy/**"}},
		{Project: "other/tool"},
		{Group: "acme"},
		{Project: "acme/web"}, // already listed: once only
	}, fleet.AuditOptions{Progress: func(e fleet.Event) { events = append(events, e) }})
	require.NoError(t, err)

	var scopes []string
	for _, s := range rep.Scopes {
		scopes = append(scopes, fmt.Sprint(s))
	}
	// The tree's groups come first, then its projects.
	assert.Equal(t, []string{"group acme", "group acme/legacy", "project acme/api", "project acme/web", "project other/tool"}, scopes)
	assert.Equal(t, []string{"emails-on-push", "slack"}, rep.Integrations)
	require.Len(t, rep.Entries, 5*2)
	cell := func(scope, slug string) fleet.AuditEntry {
		for _, e := range rep.Entries {
			if text, _ := e.Scope.MarshalText(); string(text) == scope && e.Integration == slug {
				return e
			}
		}
		t.Fatalf("no entry for %s %s", scope, slug)
		return fleet.AuditEntry{}
	}
	assert.True(t, cell("project:acme/web", "slack").Active)
	assert.Equal(t, "#web", cell("project:acme/web", "slack").Properties["channel"])
	assert.False(t, cell("project:acme/web", "emails-on-push").Active)
	assert.Equal(t, "ops@example.com", cell("project:acme/api", "emails-on-push").Properties["recipients"])
	assert.True(t, cell("group:acme", "slack").Active)
	// The group's Slack reached acme/api and the subgroup, inheriting.
	for _, scope := range []string{"project:acme/api", "group:acme/legacy"} {
		e := cell(scope, "slack")
		assert.True(t, e.Inherited, scope)
		assert.Equal(t, "group:acme", e.InheritedFrom, scope)
		assert.Equal(t, "#group", e.Properties["channel"], scope)
	}
	assert.Equal(t, fleet.Own, cell("project:acme/web", "slack").InheritedFrom)
	assert.Equal(t, map[string]bool{"alert_events": false, "comment_on_event_enabled": true, "commit_events": true,
		"confidential_issues_events": true, "confidential_note_events": true, "deployment_events": false, "incident_events": false,
		"issues_events": true, "job_events": false, "merge_requests_events": true, "note_events": true, "pipeline_events": true,
		"push_events": true, "tag_push_events": true, "vulnerability_events": false, "wiki_page_events": true},
		cell("project:acme/web", "slack").Events)
	assert.Empty(t, cell("project:other/tool", "slack").Events, "never set up")
	assert.Zero(t, rep.Failed)
	assert.Len(t, events, 5)
	assert.Equal(t, 5, events[len(events)-1].Done)

	out, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.NotContains(t, string(out), "SENTINEL")
	assert.Contains(t, string(out), `"scope":"project:acme/web"`)

	lists, gets := 0, 0
	for _, r := range requests(srv) {
		switch {
		case r.Method == "GET" && strings.HasSuffix(r.Path, "/integrations"):
			lists++
		case r.Method == "GET" && strings.Contains(r.Path, "/integrations/"):
			gets++
		}
	}
	assert.Equal(t, 5, lists, "one List per scope")
	assert.Equal(t, 5, gets, "one Get per active integration")

	// ActiveOnly keeps the active cells only.
	rep, err = fleet.Audit(ctx, c, []fleet.Target{{ProjectsIn: "acme", Exclude: []string{"acme/legacy/**"}}}, fleet.AuditOptions{ActiveOnly: true})
	require.NoError(t, err)
	var active []string
	for _, e := range rep.Entries {
		text, _ := e.Scope.MarshalText()
		active = append(active, string(text)+" "+e.Integration)
	}
	assert.Equal(t, []string{"group:acme slack", "group:acme/legacy slack", "project:acme/api emails-on-push", "project:acme/api slack", "project:acme/web slack"}, active)
}

// TestAuditOnly reads the named integrations only (no List), reports a
// scope that cannot be read in its entry, and goes on with the others.
func TestAuditOnly(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.AddProject("acme/web")
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: sentinel})
	require.NoError(t, err)
	srv.ResetRequests()

	rep, err := fleet.Audit(ctx, c, []fleet.Target{{Project: "acme/web"}, {Project: "acme/gone"}},
		fleet.AuditOptions{Only: []string{"Slack", "emails_on_push", "slack"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"slack", "emails-on-push"}, rep.Integrations)
	assert.Equal(t, 1, rep.Failed)
	require.Len(t, rep.Entries, 3)
	assert.True(t, rep.Entries[0].Active)
	assert.False(t, rep.Entries[1].Active, "never set up: inactive, not an error")
	assert.Contains(t, rep.Entries[2].Error, "404 Project Not Found")
	for _, r := range requests(srv) {
		assert.False(t, strings.HasSuffix(r.Path, "/integrations"), "no List with Only: %s", r.Path)
	}

	_, err = fleet.Audit(ctx, c, []fleet.Target{{Project: "acme/web"}}, fleet.AuditOptions{Only: []string{"slak"}})
	require.ErrorIs(t, err, integrations.ErrUnknownIntegration)
	_, err = fleet.Audit(ctx, c, []fleet.Target{{}}, fleet.AuditOptions{})
	require.ErrorIs(t, err, integrations.ErrValidation)
	assert.Empty(t, requests(srv), "nothing sent for bad input")
}
