package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUpdateSendsChangedFieldsAndSecrets(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	ctx := context.Background()
	spec := parse(t, webAPISpec)
	spec.Targets = spec.Targets[:1]
	secrets := env(map[string]string{"SLACK_WEBHOOK": sentinel})
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	_, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: secrets})
	require.NoError(t, err)
	// Someone changes the channel and turns push events on by hand.
	_, err = c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: "https://other", Channel: integrations.Ptr("#random"), PushEvents: integrations.Ptr(true)})
	require.NoError(t, err)
	srv.ResetRequests()

	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	assert.Equal(t, `~ project:acme/web slack (update)
    ~ channel: "#random" → "#deploys"
    ~ push_events: true → false
    # work_item_events: cannot be verified (GitLab accepts it but never reports it); sent with every change
    ! apply will need SLACK_WEBHOOK, not set here (fleet.yaml:6)

Apply will need 1 reference not resolvable here: ${env:SLACK_WEBHOOK}.
Plan: 0 to create, 1 to update, 0 to disable, 0 to inherit, 1 unchanged.
`, text(t, p))
	requests(srv)
	_, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: secrets})
	require.NoError(t, err)
	// The changed fields, the secret GitLab requires on every update, and
	// the flag it never reports; nothing else.
	assert.Equal(t, []request{
		{"PUT", "/api/v4/projects/acme%2Fweb/integrations/slack", `{"channel":"#deploys","push_events":false,"webhook":"` + sentinel + `","work_item_events":true}`},
	}, requests(srv))
}

func TestInheritAbsentAndLeavingInheritance(t *testing.T) {
	srv, c := setup(t)
	srv.AddGroup("acme")
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	group := integrations.Group("acme")
	// acme/web has Mattermost of its own, so the group's copy leaves it
	// alone; acme/api inherits the group's.
	_, err := c.Mattermost.Set(ctx, integrations.Project("acme/web"), &integrations.MattermostOptions{Webhook: "https://mm/web", Channel: integrations.Ptr("#web")})
	require.NoError(t, err)
	_, err = c.Mattermost.Set(ctx, group, &integrations.MattermostOptions{Webhook: "https://mm/group", Channel: integrations.Ptr("#g")})
	require.NoError(t, err)
	_, err = c.Mattermost.Set(ctx, integrations.Project("acme/api"), &integrations.MattermostOptions{UseInheritedSettings: integrations.Ptr(true), Webhook: "-"})
	require.NoError(t, err)
	srv.ResetRequests()

	spec := parse(t, `version: 1
targets:
  - project: acme/web
    integrations:
      mattermost: inherit
  - project: acme/api
    integrations:
      mattermost:
        webhook: ${env:MM}
        channel: "#api"
`)
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	// An inherited integration is not read further; the group above the
	// project that is to inherit is read once, to know it can.
	assert.Equal(t, []request{
		{"GET", "/api/v4/groups/acme/integrations", ""},
		{"GET", "/api/v4/projects/acme%2Fapi/integrations", ""},
		{"GET", "/api/v4/projects/acme%2Fweb/integrations", ""},
	}, requests(srv))
	assert.Equal(t, `~ project:acme/api mattermost (update)
    ~ webhook: (inherited) → (secret)
    ~ channel: (inherited) → "#api"
    # stops using the group's settings (use_inherited_settings: false); every managed parameter is sent
    ! apply will need MM, not set here (fleet.yaml:9)
< project:acme/web mattermost (inherit the group's settings)
    # uses the settings of the nearest group above that has it (GitLab answers "Default integration not found" when none has)

Apply will need 1 reference not resolvable here: ${env:MM}.
Plan: 0 to create, 1 to update, 0 to disable, 1 to inherit, 0 unchanged.
`, text(t, p))
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: env(map[string]string{"MM": sentinel})})
	require.NoError(t, err)
	require.Equal(t, 0, res.Failed(), res.Results)
	assert.Equal(t, []request{
		{"PUT", "/api/v4/projects/acme%2Fapi/integrations/mattermost", `{"channel":"#api","use_inherited_settings":false,"webhook":"` + sentinel + `"}`},
		{"PUT", "/api/v4/projects/acme%2Fweb/integrations/mattermost", `{"use_inherited_settings":true,"webhook":"inherited"}`},
	}, requests(srv))
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), text(t, p))

	// absent disables, inherited or not.
	spec = parse(t, `version: 1
targets:
  - project: acme/web
    integrations:
      mattermost: absent
  - project: acme/api
    integrations:
      mattermost: absent
`)
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(nil)})
	require.NoError(t, err)
	assert.Equal(t, `- project:acme/api mattermost (disable)
- project:acme/web mattermost (disable)
    # it uses the group's settings now; disabling stops that

Plan: 0 to create, 0 to update, 2 to disable, 0 to inherit, 0 unchanged.
`, text(t, p))
	requests(srv)
	res, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{})
	require.NoError(t, err)
	require.Equal(t, 0, res.Failed(), res.Results)
	assert.Equal(t, []request{
		{"DELETE", "/api/v4/projects/acme%2Fapi/integrations/mattermost", ""},
		{"DELETE", "/api/v4/projects/acme%2Fweb/integrations/mattermost", ""},
	}, requests(srv))
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	assert.Equal(t, fleet.Summary{NoOp: 2}, p.Summary)
}

func TestStateFileDetectsChangedSecret(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	ctx := context.Background()
	stateFile := filepath.Join(t.TempDir(), "state.json")
	spec := parse(t, webAPISpec)
	spec.Targets = spec.Targets[1:]
	p, err := fleet.NewPlan(ctx, c, parse(t, webAPISpec), fleet.PlanOptions{StateFile: stateFile})
	_ = p
	require.Error(t, err) // acme/api does not exist
	assert.ErrorIs(t, err, integrations.ErrNotFound)

	spec = parse(t, webAPISpec)
	spec.Targets = spec.Targets[:1]
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: stateFile})
	require.NoError(t, err)
	_, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{StateFile: stateFile, LookupEnv: env(map[string]string{"SLACK_WEBHOOK": sentinel})})
	require.NoError(t, err)
	data, err := os.ReadFile(stateFile)
	require.NoError(t, err)
	assert.NotContains(t, string(data), sentinel)
	assert.NotContains(t, string(data), "SENTINEL")
	var st struct {
		Version      int
		KeyID        string `json:"key_id"`
		Fingerprints map[string]map[string]map[string]string
	}
	require.NoError(t, json.Unmarshal(data, &st))
	assert.Equal(t, 2, st.Version)
	assert.Regexp(t, `^pbkdf2-sha256:1000:[0-9a-f]{64}$`, st.Fingerprints["project:acme/web"]["slack"]["webhook"])
	fi, err := os.Stat(stateFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// Same secret: no change. Another one: "(secret changed)".
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: stateFile, LookupEnv: env(map[string]string{"SLACK_WEBHOOK": sentinel})})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), text(t, p))
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: stateFile, LookupEnv: env(map[string]string{"SLACK_WEBHOOK": sentinel + "-rotated"})})
	require.NoError(t, err)
	assert.Equal(t, `~ project:acme/web slack (update)
    ~ webhook: (secret) → (secret)
    # webhook: (secret changed) since the last apply recorded in the state file
    # work_item_events: cannot be verified (GitLab accepts it but never reports it); sent with every change

Plan: 0 to create, 1 to update, 0 to disable, 0 to inherit, 1 unchanged.
`, text(t, p))
	// Without the secret at hand, the plan says it could not compare.
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: stateFile, LookupEnv: env(nil)})
	require.NoError(t, err)
	assert.False(t, p.HasChanges())
	assert.Equal(t, []string{
		"webhook: not compared with the state file: reference cannot be resolved: ${env:SLACK_WEBHOOK}: the environment variable SLACK_WEBHOOK is not set",
		"work_item_events: cannot be verified (GitLab accepts it but never reports it); sent with every change",
	}, p.Changes[1].Notes)
}

func TestSavedPlanRefusesMovedTargets(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	secrets := env(map[string]string{"SLACK_WEBHOOK": sentinel})
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: "https://hooks.example.com/x", Channel: integrations.Ptr("#old")})
	require.NoError(t, err)
	p, err := fleet.NewPlan(ctx, c, parse(t, webAPISpec), fleet.PlanOptions{})
	require.NoError(t, err)
	var saved bytes.Buffer
	require.NoError(t, json.NewEncoder(&saved).Encode(p))
	assert.NotContains(t, saved.String(), sentinel)

	// Both targets move after the plan was made (updated_at has
	// milliseconds: let one pass).
	time.Sleep(3 * time.Millisecond)
	_, err = c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: "https://hooks.example.com/x", Channel: integrations.Ptr("#newer")})
	require.NoError(t, err)
	_, err = c.Slack.Set(ctx, integrations.Project("acme/api"), &integrations.SlackOptions{Webhook: "https://hooks.example.com/x"})
	require.NoError(t, err)
	read, err := fleet.ReadPlan(&saved)
	require.NoError(t, err)
	assert.Equal(t, p.Summary, read.Summary)
	srv.ResetRequests()
	res, err := fleet.Apply(ctx, c, read, fleet.ApplyOptions{LookupEnv: secrets})
	// The plan is refused whole, once, naming the first stale change.
	assert.Nil(t, res)
	assert.ErrorIs(t, err, fleet.ErrStale)
	assert.Regexp(t, `^the plan is stale: 2 of 2 changes changed on GitLab since it was made; first: project:acme/api slack: it was set up since \(updated_at [0-9T:.-]+Z\); run plan again$`, err.Error())
	// Only the checks were sent, one per change; nothing was written.
	assert.Equal(t, []request{
		{"GET", "/api/v4/projects/acme%2Fapi/integrations/slack", ""},
		{"GET", "/api/v4/projects/acme%2Fweb/integrations/slack", ""},
	}, requests(srv))

	// One stale change of two refuses the plan too, and names it.
	p, err = fleet.NewPlan(ctx, c, parse(t, webAPISpec), fleet.PlanOptions{LookupEnv: secrets})
	require.NoError(t, err)
	saved.Reset()
	require.NoError(t, json.NewEncoder(&saved).Encode(p))
	time.Sleep(3 * time.Millisecond)
	_, err = c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: "https://hooks.example.com/x", Channel: integrations.Ptr("#newest")})
	require.NoError(t, err)
	read, err = fleet.ReadPlan(&saved)
	require.NoError(t, err)
	srv.ResetRequests()
	_, err = fleet.Apply(ctx, c, read, fleet.ApplyOptions{LookupEnv: secrets})
	assert.ErrorIs(t, err, fleet.ErrStale)
	assert.Regexp(t, `^the plan is stale: 1 of 2 changes changed on GitLab since it was made; first: project:acme/web slack: updated_at was \S+Z, is \S+Z; run plan again$`, err.Error())
	for _, r := range requests(srv) {
		assert.Equal(t, "GET", r.Method)
	}

	// A fresh saved plan applies.
	p, err = fleet.NewPlan(ctx, c, parse(t, webAPISpec), fleet.PlanOptions{})
	require.NoError(t, err)
	saved.Reset()
	require.NoError(t, json.NewEncoder(&saved).Encode(p))
	read, err = fleet.ReadPlan(&saved)
	require.NoError(t, err)
	res, err = fleet.Apply(ctx, c, read, fleet.ApplyOptions{LookupEnv: secrets})
	require.NoError(t, err)
	assert.Equal(t, 0, res.Failed(), res.Results)
	p, err = fleet.NewPlan(ctx, c, parse(t, webAPISpec), fleet.PlanOptions{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), text(t, p))
}

func TestFailedTargetDoesNotStopOthers(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	_, err := c.EmailsOnPush.Set(ctx, integrations.Project("acme/web"), &integrations.EmailsOnPushOptions{Recipients: "a@example.com"})
	require.NoError(t, err)
	p, err := fleet.NewPlan(ctx, c, parse(t, webAPISpec), fleet.PlanOptions{})
	require.NoError(t, err)
	// The api project's PUT fails (the first request of the apply, since
	// a plan in memory needs no freshness check).
	srv.FailNext(1, 403)
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: env(map[string]string{"SLACK_WEBHOOK": sentinel}), Concurrency: 1})
	require.NoError(t, err)
	require.Len(t, res.Results, 3)
	assert.Equal(t, 1, res.Failed())
	assert.Equal(t, fleet.TargetResult{Scope: integrations.Project("acme/api"), Integration: "slack", Action: fleet.Create, Status: fleet.StatusFailed,
		Where: res.Results[0].Where, Err: res.Results[0].Err, Error: res.Results[0].Error}, res.Results[0])
	assert.ErrorIs(t, res.Results[0].Err, integrations.ErrForbidden)
	// The others went through.
	assert.Equal(t, fleet.TargetResult{Scope: integrations.Project("acme/web"), Integration: "emails-on-push", Action: fleet.Disable, Status: fleet.StatusApplied, Where: res.Results[1].Where}, res.Results[1])
	assert.Equal(t, fleet.TargetResult{Scope: integrations.Project("acme/web"), Integration: "slack", Action: fleet.Create, Status: fleet.StatusApplied, Where: res.Results[2].Where}, res.Results[2])
}

func TestAppIntegrations(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	require.NoError(t, srv.InstallApp("acme/api", "jira-cloud-app"))
	spec := parse(t, `version: 1
targets:
  - project: acme/web
    integrations:
      gitlab-slack-application:
        channel: "#x"
  - project: acme/api
    integrations:
      jira-cloud-app: absent
`)
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	assert.Equal(t, `- project:acme/api jira-cloud-app (disable)
    # GitLab refuses to disable GitLab for Jira Cloud app through the API (422): unlink it in the app
+ project:acme/web gitlab-slack-application (create)
    + channel: "#x"
    # GitLab for Slack app cannot be created through the API: install the app first, then plan again
`+"\n"+`Plan: 1 to create, 0 to update, 1 to disable, 0 to inherit, 0 unchanged.
`, text(t, p))
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Failed())
	assert.Equal(t, "fleet.yaml:9: project:acme/api: jira-cloud-app: disable: integrations: DELETE "+srv.URL()+"/api/v4/projects/acme%2Fapi/integrations/jira-cloud-app: 422 Unprocessable Entity: You cannot disable the GitLab for Jira Cloud app integration from the API", res.Results[0].Error)
	assert.Regexp(t, `^fleet.yaml:5: project:acme/web: gitlab-slack-application: create: .*: 422 Unprocessable Entity: You cannot create the GitLab for Slack app integration from the API$`, res.Results[1].Error)
}

func TestProjectsInWithGlobsAndOverrides(t *testing.T) {
	srv, c := setup(t)
	srv.AddGroup("acme")
	srv.AddGroup("acme/legacy")
	srv.AddGroup("acme/platform")
	for _, p := range []string{"acme/web", "acme/website", "acme/docs", "acme/legacy/web-old", "acme/platform/web-api", "other/web"} {
		srv.AddProject(p)
	}
	ctx := context.Background()
	spec := parse(t, `version: 1
targets:
  - projects_in: acme
    include: ["acme/web*", "acme/**/web*"]
    exclude: ["acme/legacy/**"]
    integrations:
      emails-on-push:
        recipients: dev@example.com
  - project: acme/website
    integrations:
      emails-on-push:
        recipients: site@example.com
`)
	srv.ResetRequests()
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	assert.Equal(t, `+ project:acme/platform/web-api emails-on-push (create)
    + recipients: "dev@example.com"
+ project:acme/web emails-on-push (create)
    + recipients: "dev@example.com"
+ project:acme/website emails-on-push (create)
    + recipients: "site@example.com"
    # recipients: fleet.yaml:12 overrides fleet.yaml:8

Plan: 3 to create, 0 to update, 0 to disable, 0 to inherit, 0 unchanged.
`, text(t, p))
	// The group's projects (one page), then a List per project selected.
	var paths []string
	for _, r := range requests(srv) {
		paths = append(paths, r.Method+" "+r.Path)
	}
	assert.Equal(t, []string{
		"GET /api/v4/groups/acme/projects",
		"GET /api/v4/projects/acme%2Fplatform%2Fweb-api/integrations",
		"GET /api/v4/projects/acme%2Fweb/integrations",
		"GET /api/v4/projects/acme%2Fwebsite/integrations",
	}, paths)
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{})
	require.NoError(t, err)
	require.Equal(t, 0, res.Failed(), res.Results)
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	assert.Equal(t, fleet.Summary{NoOp: 3}, p.Summary)

	// Export of the whole group, then plan of the export: no change.
	exp, err := fleet.Export(ctx, c, []fleet.Target{{ProjectsIn: "acme"}, {Group: "acme"}}, fleet.ExportOptions{})
	require.NoError(t, err)
	require.Len(t, exp.Targets, 3)
	p, err = fleet.NewPlan(ctx, c, exp, fleet.PlanOptions{})
	require.NoError(t, err)
	assert.Equal(t, fleet.Summary{NoOp: 3}, p.Summary)
}

func TestIgnoredAndNormalisedValuesNeverDrift(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	ctx := context.Background()
	spec := parse(t, `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: ${env:W}
        channel: "#b, #a"
        notify_only_default_branch: true
      emails-on-push:
        recipients: "b@example.com a@example.com"
      jira:
        url: https://jira
        password: ${env:W}
        project_keys: [B, A]
        jira_issue_transition_automatic: true
`)
	// GitLab holds the same values, written differently.
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: "https://hooks.example.com/x", Channel: integrations.Ptr("#a,#b")})
	require.NoError(t, err)
	_, err = c.EmailsOnPush.Set(ctx, integrations.Project("acme/web"), &integrations.EmailsOnPushOptions{Recipients: "a@example.com,b@example.com"})
	require.NoError(t, err)
	_, err = c.Jira.Set(ctx, integrations.Project("acme/web"), &integrations.JiraOptions{URL: "https://jira", Password: "x", ProjectKeys: []string{"A", "B"}})
	require.NoError(t, err)
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	assert.Equal(t, fleet.Summary{NoOp: 3}, p.Summary, text(t, p))
	assert.Equal(t, []string{"jira_issue_transition_automatic: cannot be verified (current GitLab ignores it; older servers may not); sent with every change"}, p.Changes[1].Notes)
	assert.Equal(t, []string{"notify_only_default_branch: cannot be verified (current GitLab ignores it; older servers may not); sent with every change"}, p.Changes[2].Notes)
}

func TestLoadSpecAndNumericTargets(t *testing.T) {
	_, err := fleet.LoadSpec(filepath.Join(t.TempDir(), "none.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	srv, c := setup(t)
	id := srv.AddProject("acme/web")
	gid := srv.AddGroup("acme")
	file := filepath.Join(t.TempDir(), "fleet.yaml")
	require.NoError(t, os.WriteFile(file, []byte(fmt.Sprintf(`version: 1
targets:
  - project: %d
    integrations:
      emails-on-push:
        recipients: [a@example.com, b@example.com]
  - group: %d
    integrations:
      emails-on-push: {recipients: "a@example.com"}
`, id, gid)), 0o600))
	spec, err := fleet.LoadSpec(file)
	require.NoError(t, err)
	// A list for a string GitLab reads as a comma-separated list is joined.
	assert.Equal(t, "a@example.com,b@example.com", spec.Targets[0].Integrations["emails-on-push"].Params["recipients"])
	ctx := context.Background()
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("+ group:%d emails-on-push (create)\n    + recipients: \"a@example.com\"\n+ project:%d emails-on-push (create)\n    + recipients: \"a@example.com,b@example.com\"\n\nPlan: 2 to create, 0 to update, 0 to disable, 0 to inherit, 0 unchanged.\n", gid, id), text(t, p))
}

func TestBadSpecSendsNothing(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	ctx := context.Background()
	spec := &fleet.Spec{Version: 1, Targets: []fleet.Target{{Project: "acme/web", Integrations: map[string]fleet.Desired{
		"slack": {Params: map[string]any{"channel": "#x"}},
	}}}}
	_, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	assert.ErrorIs(t, err, integrations.ErrValidation)
	assert.EqualError(t, err, "targets[0].integrations.slack: slack: webhook is required (GitLab needs it on every change; write it as a reference such as ${env:SLACK_WEBHOOK}); missing for project:acme/web")
	spec.Targets[0].Integrations["slakc"] = fleet.Desired{State: fleet.Absent}
	_, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	assert.EqualError(t, err, `targets[0].integrations.slakc: unknown integration "slakc" (did you mean "slack"?)`)
	assert.Empty(t, srv.Requests())
}
