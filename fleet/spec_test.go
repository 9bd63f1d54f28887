package fleet

import (
	"errors"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodSpec = `version: 1
targets:
  - projects_in: acme
    include: ["acme/web*"]
    exclude: ["acme/legacy/**"]
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#deploys"
        pipeline_events: true
        push_events: false
      emails-on-push: absent
      mattermost: inherit
  - project: "42"
    integrations:
      jira:
        url: https://jira.example.com
        password: ${file:/run/secrets/jira}
        jira_auth_type: 1
        project_keys: [WEB, API]
  - group: acme
    integrations:
      telegram:
        token: ${env:TG}
        thread: 42
        room: "-100"
`

func TestParseSpec(t *testing.T) {
	s, err := ParseSpec("fleet.yaml", []byte(goodSpec))
	require.NoError(t, err)
	assert.Equal(t, 1, s.Version)
	require.Len(t, s.Targets, 3)
	t0 := s.Targets[0]
	assert.Equal(t, "acme", t0.ProjectsIn)
	assert.Equal(t, []string{"acme/web*"}, t0.Include)
	assert.Equal(t, []string{"acme/legacy/**"}, t0.Exclude)
	assert.Equal(t, map[string]Desired{
		"slack": {State: Present, Params: map[string]any{
			"webhook": "${env:SLACK_WEBHOOK}", "channel": "#deploys", "pipeline_events": true, "push_events": false}},
		"emails-on-push": {State: Absent},
		"mattermost":     {State: Inherit},
	}, t0.Integrations)
	assert.Equal(t, "42", s.Targets[1].Project)
	assert.Equal(t, map[string]any{"url": "https://jira.example.com", "password": "${file:/run/secrets/jira}",
		"jira_auth_type": int64(1), "project_keys": []string{"WEB", "API"}}, s.Targets[1].Integrations["jira"].Params)
	// A number where GitLab wants a string is kept as its text.
	assert.Equal(t, map[string]any{"token": "${env:TG}", "thread": "42", "room": "-100"}, s.Targets[2].Integrations["telegram"].Params)
	assert.Equal(t, "fleet.yaml:7", s.where(0, "slack"))
	assert.Equal(t, "fleet.yaml:8", s.where(0, "slack", "webhook"))
}

func TestParseSpecReportsEveryProblemAtOnce(t *testing.T) {
	const bad = `version: 1
targets:
  - projects_in: acme
    project: acme/web
    integrations:
      slakc:
        webhook: x
      slack:
        webhok: ${env:X}
        webhook: ${env:SLACK}
        channel: ${vault:x}
        pipeline_events: "yes"
        branches_to_be_notified: everything
        username: [a, b]
  - group: acme
    include: ["x"]
    integrations:
      jenkins: absent
      jira:
        url: https://j
        password: ${env:}
        jira_auth_type: 7
  - proejct: acme/api
    integrations:
      emails-on-push: maybe
`
	_, err := ParseSpec("fleet.yaml", []byte(bad))
	require.Error(t, err)
	assert.True(t, errors.Is(err, integrations.ErrValidation))
	var se *SpecError
	require.True(t, errors.As(err, &se))
	assert.Equal(t, `fleet.yaml:3: target names projects_in and project at once: give one of them per target
fleet.yaml:6: unknown integration "slakc" (did you mean "slack"?)
fleet.yaml:9: slack: unknown parameter "webhok" (did you mean "webhook"?)
fleet.yaml:11: slack.channel: ${vault:x} is not a reference: write ${env:NAME} or ${file:PATH} (or $${ for a literal ${)
fleet.yaml:12: slack.pipeline_events: want true or false, not a string
fleet.yaml:13: slack.branches_to_be_notified: "everything" is not one of all, default, protected, default_and_protected
fleet.yaml:14: slack.username: want a string, not a list
fleet.yaml:16: include: and exclude: filter the projects of projects_in:, which this target does not have
fleet.yaml:18: Jenkins (jenkins) exists for projects only, not on a group: move it to a project: or projects_in: target
fleet.yaml:21: jira.password: ${env:}: an environment variable name has letters, digits and "_", and does not start with a digit
fleet.yaml:22: jira.jira_auth_type: "7" is not one of 0, 1, 2
fleet.yaml:23: unknown key "proejct" in a target (did you mean "project"?) (a target has projects_in, include, exclude, project, group, integrations)
fleet.yaml:25: emails-on-push: "maybe" is not a state: write absent, inherit or present, or the parameters as key: value lines`, err.Error())
}

func TestParseSpecAnchorsAndMerges(t *testing.T) {
	_, err := ParseSpec("f.yaml", []byte(`version: 1
x-slack: &slack
  webhook: ${env:SLACK_WEBHOOK}
  channel: "#deploys"
x-common: &common
  slack: *slack
  emails-on-push: absent
targets:
  - project: acme/web
    integrations: *common
  - project: acme/api
    integrations:
      <<: *common
      slack:
        <<: *slack
        channel: "#api"
        chanel: x
`))
	require.Error(t, err)
	assert.EqualError(t, err, `f.yaml:17: slack: unknown parameter "chanel" (did you mean "channel"?)`)
	s, err := ParseSpec("f.yaml", []byte(`version: 1
x-slack: &slack
  webhook: ${env:SLACK_WEBHOOK}
  channel: "#deploys"
targets:
  - project: acme/web
    integrations: {slack: *slack, emails-on-push: absent}
  - project: acme/api
    integrations:
      slack:
        <<: *slack
        channel: "#api"
`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"webhook": "${env:SLACK_WEBHOOK}", "channel": "#deploys"}, s.Targets[0].Integrations["slack"].Params)
	assert.Equal(t, map[string]any{"webhook": "${env:SLACK_WEBHOOK}", "channel": "#api"}, s.Targets[1].Integrations["slack"].Params)
	_, err = ParseSpec("f.yaml", []byte("version: 1\ntargest: []\n"))
	assert.EqualError(t, err, `f.yaml:2: unknown key "targest" (did you mean "targets"?) (a spec has version: and targets:, and x- keys of your own)`)
}
