package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests of this file check that what plan shows is what apply does:
// what apply would trip on is found by plan, or by apply before its first
// change, and nothing is sent in any refused case.

// writes returns the requests of the log that change something.
func writes(srv *integrationstest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// gets returns the paths of the GETs of the log, sorted, and resets it.
func gets(srv *integrationstest.Server) []string {
	var out []string
	for _, r := range requests(srv) {
		if r.Method == "GET" {
			out = append(out, r.Path)
		}
	}
	return out
}

const unresolvedSpec = `version: 1
targets:
  - projects_in: acme
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#all"
  - project: acme/api
    integrations:
      jira:
        url: ${env:JIRA_URL}
        password: ${file:%s}
      emails-on-push: absent
      mattermost:
        webhook: ${env:MM_WEBHOOK}
`

func TestPlanListsUnresolvedReferencesAndApplyRefusesThem(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	_, err := c.EmailsOnPush.Set(ctx, integrations.Project("acme/api"), &integrations.EmailsOnPushOptions{Recipients: "a@example.com"})
	require.NoError(t, err)
	_, err = c.Jira.Set(ctx, integrations.Project("acme/api"), &integrations.JiraOptions{URL: "https://old", Password: "x"})
	require.NoError(t, err)
	srv.ResetRequests()
	missing := filepath.Join(t.TempDir(), "no-such-file")
	spec := parse(t, fmt.Sprintf(unresolvedSpec, missing))
	// MM_WEBHOOK is set here; the others are not.
	lookup := env(map[string]string{"MM_WEBHOOK": sentinel})

	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err, "a plan with unresolved references still holds")
	assert.True(t, p.HasChanges())
	var got []string
	for _, u := range p.Unresolved {
		got = append(got, fmt.Sprintf("%s %s %q", u.Reference, u.Where, u.NeededBy))
	}
	assert.Equal(t, []string{
		`${env:SLACK_WEBHOOK} fleet.yaml:6 ["project:acme/api slack" "project:acme/web slack"]`,
		`${env:JIRA_URL} fleet.yaml:11 ["project:acme/api jira"]`,
		`${file:` + missing + `} fleet.yaml:12 ["project:acme/api jira"]`,
	}, got)
	out := text(t, p)
	assert.Equal(t, `- project:acme/api emails-on-push (disable)
~ project:acme/api jira (update)
    ~ url: "https://old" → "${env:JIRA_URL}"
    # url: not compared: its reference cannot be resolved here
    ! apply will need JIRA_URL, not set here (fleet.yaml:11)
    ! apply will need the file `+missing+`, not readable here (fleet.yaml:12)
+ project:acme/api mattermost (create)
    + webhook: (secret)
+ project:acme/api slack (create)
    + webhook: (secret)
    + channel: "#all"
    ! apply will need SLACK_WEBHOOK, not set here (fleet.yaml:6)
+ project:acme/web slack (create)
    + webhook: (secret)
    + channel: "#all"
    ! apply will need SLACK_WEBHOOK, not set here (fleet.yaml:6)

Apply will need 3 references not resolvable here: ${env:SLACK_WEBHOOK}, ${env:JIRA_URL}, ${file:`+missing+`}.
Plan: 3 to create, 1 to update, 1 to disable, 0 to inherit, 0 unchanged.
`, out)
	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"unresolved":[{"reference":"${env:SLACK_WEBHOOK}","where":"fleet.yaml:6","needed_by":["project:acme/api slack","project:acme/web slack"]}`)
	assert.NotContains(t, out+string(b)+fmt.Sprintf("%+v", p), "SENTINEL", "a resolved secret is never shown")

	// Apply refuses before any request: every reference, its line and
	// the changes that need it; the set MM_WEBHOOK is not listed.
	srv.ResetRequests()
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup})
	assert.Nil(t, res)
	assert.ErrorIs(t, err, integrations.ErrValidation)
	var se *fleet.SpecError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, `fleet.yaml:6: ${env:SLACK_WEBHOOK}: the environment variable SLACK_WEBHOOK is not set; needed by project:acme/api slack, project:acme/web slack
fleet.yaml:11: ${env:JIRA_URL}: the environment variable JIRA_URL is not set; needed by project:acme/api jira
fleet.yaml:12: ${file:`+missing+`}: no such file or directory; needed by project:acme/api jira`, err.Error())
	assert.Empty(t, srv.Requests(), "nothing is sent, not even a read")

	// A saved plan is refused the same way, naming the targets' lines.
	var saved bytes.Buffer
	require.NoError(t, json.NewEncoder(&saved).Encode(p))
	read, err := fleet.ReadPlan(&saved)
	require.NoError(t, err)
	_, err = fleet.Apply(ctx, c, read, fleet.ApplyOptions{LookupEnv: lookup})
	assert.ErrorIs(t, err, integrations.ErrValidation)
	assert.Equal(t, `fleet.yaml:5: ${env:SLACK_WEBHOOK}: the environment variable SLACK_WEBHOOK is not set; needed by project:acme/api slack, project:acme/web slack
fleet.yaml:10: ${env:JIRA_URL}: the environment variable JIRA_URL is not set; needed by project:acme/api jira
fleet.yaml:10: ${file:`+missing+`}: no such file or directory; needed by project:acme/api jira`, err.Error())
	assert.Empty(t, srv.Requests())

	// With every reference at hand, apply sends them all.
	secret := filepath.Join(t.TempDir(), "jira")
	require.NoError(t, os.WriteFile(secret, []byte(sentinel+"-jira\n"), 0o600))
	spec = parse(t, fmt.Sprintf(unresolvedSpec, secret))
	all := env(map[string]string{"MM_WEBHOOK": sentinel, "SLACK_WEBHOOK": sentinel, "JIRA_URL": "https://jira.example.com"})
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: all})
	require.NoError(t, err)
	assert.Empty(t, p.Unresolved)
	assert.NotContains(t, text(t, p), "apply will need")
	res, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: all})
	require.NoError(t, err)
	assert.Equal(t, 0, res.Failed(), res.Results)
	assert.Len(t, writes(srv), 5)
}

func TestPlanErrorsForPlacesThatDoNotExist(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	srv.AddProject("acme/platform/db")
	srv.AddProject("tools/ci")
	ctx := context.Background()
	spec := parse(t, `version: 1
targets:
  - project: acme/wbe
    integrations:
      emails-on-push: absent
  - group: acme/platfrom
    integrations:
      slack: absent
  - projects_in: tool
    integrations:
      slack: absent
  - project: acme/api
    integrations:
      slack: absent
  - project: acme/pltform/db
    integrations:
      slack: absent
`)
	_, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	assert.ErrorIs(t, err, integrations.ErrValidation)
	var se *fleet.SpecError
	require.ErrorAs(t, err, &se)
	// Every problem at once; a top-level group has no parent to look in,
	// so no suggestion.
	assert.Equal(t, `fleet.yaml:3: project acme/wbe does not exist (did you mean acme/web?)
fleet.yaml:6: group acme/platfrom does not exist (did you mean acme/platform?)
fleet.yaml:9: projects_in: group tool does not exist
fleet.yaml:15: project acme/pltform/db does not exist, nor does group acme/pltform (did you mean acme/platform?)`, err.Error())

	spec = parse(t, `version: 1
targets:
  - project: acme/wbe
    integrations:
      emails-on-push: absent
  - group: acme/platfrom
    integrations:
      slack: absent
  - project: acme/api
    integrations:
      slack: absent
  - project: acme/pltform/db
    integrations:
      slack: absent
`)
	srv.ResetRequests()
	_, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	assert.ErrorIs(t, err, integrations.ErrValidation)
	assert.ErrorIs(t, err, integrations.ErrProjectNotFound, "GitLab's answer stays reachable")
	assert.Equal(t, `fleet.yaml:3: project acme/wbe does not exist (did you mean acme/web?)
fleet.yaml:6: group acme/platfrom does not exist (did you mean acme/platform?)
fleet.yaml:12: project acme/pltform/db does not exist, nor does group acme/pltform (did you mean acme/platform?)`, err.Error())
	assert.Empty(t, writes(srv))
	// Each listing of acme is read once for all three suggestions.
	assert.Equal(t, []string{
		"/api/v4/groups/acme%2Fplatfrom/integrations",
		"/api/v4/groups/acme%2Fpltform/projects",
		"/api/v4/groups/acme/projects",
		"/api/v4/groups/acme/subgroups",
		"/api/v4/projects/acme%2Fapi/integrations",
		"/api/v4/projects/acme%2Fpltform%2Fdb/integrations",
		"/api/v4/projects/acme%2Fwbe/integrations",
	}, gets(srv))
}

func TestPlanErrorWhenGlobsMatchNoProject(t *testing.T) {
	srv, c := setup(t)
	for _, p := range []string{"acme/web", "acme/api", "acme/legacy/old", "acme/tools/a", "acme/tools/b", "acme/tools/c"} {
		srv.AddProject(p)
	}
	ctx := context.Background()
	spec := parse(t, `version: 1
targets:
  - projects_in: acme
    include: ["acme/wbe/**"]
    integrations:
      slack: absent
  - projects_in: acme
    exclude: ["acme/**"]
    integrations:
      slack: absent
  - projects_in: acme
    include: ["acme/web"]
    integrations:
      slack: absent
`)
	_, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	assert.ErrorIs(t, err, integrations.ErrValidation)
	assert.Equal(t, `fleet.yaml:4: include ["acme/wbe/**"] matches none of the 6 projects of acme (did you mean acme/web?); its projects: acme/api, acme/legacy/old, acme/tools/a, acme/tools/b, acme/tools/c and 1 more
fleet.yaml:8: exclude ["acme/**"] leaves none of the 6 projects of acme; its projects: acme/api, acme/legacy/old, acme/tools/a, acme/tools/b, acme/tools/c and 1 more`, err.Error())
	assert.Empty(t, writes(srv))
	// The group's projects are listed once for the three targets.
	assert.Equal(t, []string{"/api/v4/groups/acme/projects", "/api/v4/projects/acme%2Fweb/integrations"}, gets(srv))
}

func TestPlanErrorWhenNoGroupAboveCanBeInherited(t *testing.T) {
	// The groups' integrations have not been copied to their projects yet
	// (GitLab does it in the background): the projects have none.
	srv, c := setup(t, integrationstest.WithPropagationDelay(time.Hour))
	srv.AddProject("acme/web")
	srv.AddProject("acme/sub/api")
	srv.AddProject("acme/sub/db")
	srv.AddProject("other/app")
	ctx := context.Background()
	// acme/sub inherits Mattermost itself: it cannot serve as a default.
	_, err := c.Mattermost.Set(ctx, integrations.Group("acme/sub"), &integrations.MattermostOptions{Webhook: "https://mm", UseInheritedSettings: integrations.Ptr(false)})
	require.NoError(t, err)
	_, err = c.Slack.Set(ctx, integrations.Group("other"), &integrations.SlackOptions{Webhook: "https://slack"})
	require.NoError(t, err)
	srv.ResetRequests()
	spec := parse(t, `version: 1
targets:
  - projects_in: acme
    integrations:
      slack: inherit
  - project: acme/sub/api
    integrations:
      mattermost: inherit
  - project: acme/sub/db
    integrations:
      mattermost: inherit
  - project: other/app
    integrations:
      slack: inherit
`)
	_, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	assert.ErrorIs(t, err, integrations.ErrValidation)
	assert.Equal(t, `fleet.yaml:5: slack: inherit, but no group above acme/sub/api (acme/sub, acme) has it set up with its own settings, so GitLab would answer "Default integration not found": set it up on a group: target, or give its settings here
fleet.yaml:5: slack: inherit, but no group above acme/sub/db (acme/sub, acme) has it set up with its own settings, so GitLab would answer "Default integration not found": set it up on a group: target, or give its settings here
fleet.yaml:5: slack: inherit, but no group above acme/web (acme) has it set up with its own settings, so GitLab would answer "Default integration not found": set it up on a group: target, or give its settings here`, err.Error())
	assert.Empty(t, writes(srv))
	// Each group above is read once for every project under it.
	assert.Equal(t, []string{
		"/api/v4/groups/acme%2Fsub/integrations",
		"/api/v4/groups/acme/integrations",
		"/api/v4/groups/acme/projects",
		"/api/v4/groups/other/integrations",
		"/api/v4/projects/acme%2Fsub%2Fapi/integrations",
		"/api/v4/projects/acme%2Fsub%2Fdb/integrations",
		"/api/v4/projects/acme%2Fweb/integrations",
		"/api/v4/projects/other%2Fapp/integrations",
	}, gets(srv))

	// The group acme/sub inheriting Mattermost from acme, which has it.
	_, err = c.Mattermost.Set(ctx, integrations.Group("acme"), &integrations.MattermostOptions{Webhook: "https://mm"})
	require.NoError(t, err)
	// Slack set up on acme by the same spec counts, as apply will make it.
	spec = parse(t, `version: 1
targets:
  - group: acme
    integrations:
      slack:
        webhook: ${env:W}
  - projects_in: acme
    integrations:
      slack: inherit
      mattermost: inherit
`)
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(map[string]string{"W": sentinel})})
	require.NoError(t, err)
	assert.Equal(t, fleet.Summary{Create: 1, Inherit: 6}, p.Summary)
	// A group that disables it does not count.
	spec = parse(t, `version: 1
targets:
  - group: acme
    integrations:
      mattermost: absent
  - project: acme/web
    integrations:
      mattermost: inherit
`)
	_, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	assert.EqualError(t, err, `fleet.yaml:8: mattermost: inherit, but no group above acme/web (acme) has it set up with its own settings, so GitLab would answer "Default integration not found": set it up on a group: target, or give its settings here`)
}

func TestSpecActiveAndUseInheritedSettings(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	ctx := context.Background()
	spec := parse(t, `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        active: true
        use_inherited_settings: false
        webhook: ${env:W}
      emails-on-push:
        active: true
        recipients: a@example.com
`)
	assert.Equal(t, map[string]any{"webhook": "${env:W}"}, spec.Targets[0].Integrations["slack"].Params)
	_, err := fleet.ParseSpec("fleet.yaml", []byte(`version: 1
targets:
  - project: acme/web
    integrations:
      emails-on-push:
        recipients: a@example.com
      slack:
        active: false
        webhook: ${env:W}
      mattermost:
        use_inherited_settings: true
        webhook: ${env:W}
      jira:
        active: "yes"
`))
	assert.ErrorIs(t, err, integrations.ErrValidation)
	assert.EqualError(t, err, `fleet.yaml:8: slack.active: false is not a parameter: write absent to disable the integration (slack: absent)
fleet.yaml:11: mattermost.use_inherited_settings: true is not a parameter: write inherit to use the settings of the group above (mattermost: inherit)
fleet.yaml:14: jira.active: want true or false, not a string`)

	// active and use_inherited_settings are implied: active is never
	// sent, and a create says use_inherited_settings false itself.
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(map[string]string{"W": sentinel})})
	require.NoError(t, err)
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: env(map[string]string{"W": sentinel})})
	require.NoError(t, err)
	require.Equal(t, 0, res.Failed(), res.Results)
	var bodies []string
	for _, r := range srv.Requests() {
		if r.Method == "PUT" {
			bodies = append(bodies, r.Path+" "+string(r.Body))
		}
	}
	assert.ElementsMatch(t, []string{
		"/api/v4/projects/acme%2Fweb/integrations/slack " + `{"use_inherited_settings":false,"webhook":"` + sentinel + `"}`,
		"/api/v4/projects/acme%2Fweb/integrations/emails-on-push " + `{"recipients":"a@example.com","use_inherited_settings":false}`,
	}, bodies)
}

func TestChangeWhereAndPlanErrorsNameTheSpecLine(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	spec := parse(t, `version: 1
targets:
  - projects_in: acme
    integrations:
      slack: absent
      emails-on-push:
        recipients: all@example.com
  - project: acme/web
    integrations:
      emails-on-push:
        recipients: web@example.com
`)
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{Concurrency: 1})
	require.NoError(t, err)
	var where []string
	for _, ch := range p.Changes {
		where = append(where, ch.Scope.String()+" "+ch.Integration+" "+ch.Where)
	}
	assert.Equal(t, []string{
		"project acme/api emails-on-push fleet.yaml:6",
		"project acme/api slack fleet.yaml:5",
		"project acme/web emails-on-push fleet.yaml:10",
		"project acme/web slack fleet.yaml:5",
	}, where)

	// A scope GitLab refuses to list names the target's line.
	srv.FailNext(1, 403)
	_, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{Concurrency: 1})
	assert.ErrorIs(t, err, integrations.ErrForbidden)
	assert.True(t, strings.HasPrefix(err.Error(), "fleet: fleet.yaml:3: list the projects of group acme: "), err.Error())
	srv.FailNext(1, 403)
	_, err = fleet.NewPlan(ctx, c, parse(t, "version: 1\ntargets:\n  - project: acme/web\n    integrations: {slack: absent}\n"), fleet.PlanOptions{})
	assert.ErrorIs(t, err, integrations.ErrForbidden)
	assert.True(t, strings.HasPrefix(err.Error(), "fleet: fleet.yaml:3: project:acme/web: list integrations: "), err.Error())
	assert.False(t, errors.Is(err, integrations.ErrValidation))
}

func TestSavedPlanThatCannotBeCheckedIsRefused(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	secrets := env(map[string]string{"SLACK_WEBHOOK": sentinel})
	p, err := fleet.NewPlan(ctx, c, parse(t, webAPISpec), fleet.PlanOptions{LookupEnv: secrets})
	require.NoError(t, err)
	var saved bytes.Buffer
	require.NoError(t, json.NewEncoder(&saved).Encode(p))
	read, err := fleet.ReadPlan(&saved)
	require.NoError(t, err)
	// The first freshness check is refused: nothing can be promised of
	// that change, so nothing is sent at all.
	srv.ResetRequests()
	srv.FailNext(1, 403)
	res, err := fleet.Apply(ctx, c, read, fleet.ApplyOptions{LookupEnv: secrets, Concurrency: 1})
	assert.Nil(t, res)
	assert.ErrorIs(t, err, integrations.ErrForbidden)
	assert.False(t, errors.Is(err, fleet.ErrStale))
	assert.Contains(t, err.Error(), "fleet: apply: cannot check that the saved plan is current; nothing was sent: project:acme/api slack: check updated_at: ")
	assert.Empty(t, writes(srv))
	assert.Len(t, srv.Requests(), 2, "one check per change")
}

// TestApplyChecksResolvedValuesBeforeItsFirstChange: a reference that
// resolves to a value GitLab refuses (a webhook that is not a URL) is found
// by Apply before anything is sent, the disable planned beside it
// included; the value itself is never shown.
func TestApplyChecksResolvedValuesBeforeItsFirstChange(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	_, err := c.EmailsOnPush.Set(ctx, integrations.Project("acme/web"), &integrations.EmailsOnPushOptions{Recipients: "a@example.com"})
	require.NoError(t, err)
	spec := parse(t, `version: 1
targets:
  - projects_in: acme
    integrations:
      emails-on-push: absent
      slack:
        webhook: ${env:W}
`)
	const notURL = "hooks.example.com/services/T0/B0/not-a-url-secret"
	lookup := env(map[string]string{"W": notURL})
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	require.Equal(t, fleet.Summary{Create: 2, Disable: 1, NoOp: 1}, p.Summary, text(t, p))
	srv.ResetRequests()
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup})
	assert.Nil(t, res)
	require.ErrorIs(t, err, integrations.ErrValidation)
	var se *fleet.SpecError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, `fleet.yaml:6: project:acme/api slack: webhook: is not a URL GitLab accepts: write it with http:// or https:// and a host, such as https://example.com
fleet.yaml:6: project:acme/web slack: webhook: is not a URL GitLab accepts: write it with http:// or https:// and a host, such as https://example.com`, err.Error())
	assert.NotContains(t, err.Error(), notURL)
	assert.Empty(t, writes(srv), "nothing is sent")
}
