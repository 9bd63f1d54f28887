package fleet_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const teamsNewSpec = `version: 1
targets:
  - project: acme/web
    integrations:
      microsoft-teams:
        webhook: !new ${env:TEAMS}
        notify_only_broken_pipelines: true
`

// TestNewSecretIsReadAndWritten: "!new" before a secret's value marks it
// in Desired.NewSecrets, and WriteYAML writes it back the same way.
func TestNewSecretIsReadAndWritten(t *testing.T) {
	s := parse(t, teamsNewSpec)
	d := s.Targets[0].Integrations["microsoft-teams"]
	assert.Equal(t, []string{"webhook"}, d.NewSecrets)
	assert.Equal(t, "${env:TEAMS}", d.Params["webhook"])

	var b bytes.Buffer
	require.NoError(t, s.WriteYAML(&b))
	assert.Contains(t, b.String(), "webhook: !new ${env:TEAMS}\n")
	again := parse(t, b.String())
	assert.Equal(t, s.Targets, again.Targets)
}

// TestNewSecretMisusedIsRefused: the mark belongs on a secret's value; on
// a value GitLab reports, on a list, or another tag, the spec is refused
// with the line.
func TestNewSecretMisusedIsRefused(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slack:\n        webhook: ${env:W}\n        channel: !new '#ops'\n",
			"fleet.yaml:7: slack.channel: !new marks a secret's new value; channel is not a secret (GitLab reports it, so the plan compares it): remove !new"},
		{"version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slack:\n        webhook: !new [a, b]\n",
			"fleet.yaml:6: slack.webhook: !new marks a secret's new value, a string, not a list"},
		{"version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slack:\n        webhook: !secret ${env:W}\n",
			"fleet.yaml:6: slack.webhook: !secret is not a tag a spec knows: the only one is !new, before a secret's new value"},
	} {
		_, err := fleet.ParseSpec("fleet.yaml", []byte(c.spec))
		require.Error(t, err, c.spec)
		assert.ErrorIs(t, err, integrations.ErrValidation)
		assert.Contains(t, err.Error(), c.want)
	}
	// In Go, a name in NewSecrets that Params does not give.
	s := &fleet.Spec{Version: 1, Targets: []fleet.Target{{Project: "acme/web", Integrations: map[string]fleet.Desired{
		"microsoft-teams": {Params: map[string]any{"notify_only_broken_pipelines": true}, NewSecrets: []string{"webhook"}},
	}}}}
	assert.ErrorContains(t, s.Validate(), "microsoft-teams.webhook: marked !new but not given")
}

// TestNewSecretIsSentOnceWithAStateFile: a secret GitLab never reports,
// whose other settings are already right, is planned as an update only
// when marked new; the apply records it, so the next plan is clean, and a
// value that changes again shows as changed.
func TestNewSecretIsSentOnceWithAStateFile(t *testing.T) {
	t.Setenv(fleet.StateKeyEnv, "a key of thirty-two bytes ......")
	srv, c := setup(t)
	ctx := context.Background()
	id := srv.AddProject("acme/web")
	_, err := c.MicrosoftTeams.Set(ctx, integrations.ProjectID(id), &integrations.MicrosoftTeamsOptions{
		Webhook: "https://old.example.com/connector", NotifyOnlyBrokenPipelines: integrations.Ptr(true)})
	require.NoError(t, err)
	state := filepath.Join(t.TempDir(), "state.json")
	lookup := env(map[string]string{"TEAMS": "https://new.example.com/workflow"})

	unmarked := parse(t, strings.Replace(teamsNewSpec, "!new ", "", 1))
	p, err := fleet.NewPlan(ctx, c, unmarked, fleet.PlanOptions{StateFile: state, LookupEnv: lookup})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "without the mark nothing says the webhook is other than GitLab's:\n%s", text(t, p))

	spec := parse(t, teamsNewSpec)
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: state, LookupEnv: lookup})
	require.NoError(t, err)
	require.True(t, p.HasChanges())
	out := text(t, p)
	assert.Contains(t, out, "webhook: (new secret) marked !new and not yet recorded in the state file")
	assert.NotContains(t, out, "new.example.com")

	srv.ResetRequests()
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{StateFile: state, LookupEnv: lookup})
	require.NoError(t, err)
	require.Equal(t, 0, res.Failed())
	require.Equal(t, 1, res.Applied())
	var sent string
	for _, r := range srv.Requests() {
		if r.Method == "PUT" {
			sent = string(r.Body)
		}
	}
	assert.Contains(t, sent, `"webhook":"https://new.example.com/workflow"`)

	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: state, LookupEnv: lookup})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "recorded: the second plan is clean:\n%s", text(t, p))

	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: state, LookupEnv: env(map[string]string{"TEAMS": "https://newer.example.com/workflow"})})
	require.NoError(t, err)
	assert.True(t, p.HasChanges())
	assert.Contains(t, text(t, p), "webhook: (secret changed) since the last apply recorded in the state file")

	// Without a state file the plan cannot know it was sent: it says so.
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	assert.True(t, p.HasChanges())
	assert.Contains(t, text(t, p), "without a state file every plan sends it again")
}

// TestNewSecretFollowsTheTargetThatSetsIt: when a later target sets the
// same secret again without the mark, the mark goes with the earlier value.
func TestNewSecretFollowsTheTargetThatSetsIt(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	id := srv.AddProject("acme/web")
	_, err := c.MicrosoftTeams.Set(ctx, integrations.ProjectID(id), &integrations.MicrosoftTeamsOptions{Webhook: "https://old.example.com/connector", NotifyOnlyBrokenPipelines: integrations.Ptr(true)})
	require.NoError(t, err)
	spec := parse(t, teamsNewSpec+"  - project: acme/web\n    integrations:\n      microsoft-teams:\n        webhook: ${env:TEAMS}\n")
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(map[string]string{"TEAMS": "https://x.example.com"})})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), text(t, p))
}
