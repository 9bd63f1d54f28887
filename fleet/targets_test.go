package fleet

import (
	"context"
	"testing"

	"github.com/gitlabkit/integrations"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExpandMergesLaterTargetsPerParameter(t *testing.T) {
	const spec = `version: 1
targets:
  - projects_in: acme
    exclude: ["acme/legacy/**"]
    integrations:
      slack:
        webhook: ${env:W}
        channel: "#all"
        push_events: true
      emails-on-push: absent
  - project: acme/web
    integrations:
      slack:
        channel: "#web"
        push_events: true
      emails-on-push:
        recipients: web@example.com
`
	s, err := ParseSpec("f.yaml", []byte(spec))
	require.NoError(t, err)
	lister := func(_ context.Context, g string) ([]string, error) {
		assert.Equal(t, "acme", g)
		return []string{"acme/api", "acme/legacy/old", "acme/web"}, nil
	}
	places, err := expand(context.Background(), s, lister)
	require.NoError(t, err)
	require.Len(t, places, 2)
	assert.Equal(t, "project:acme/api", places[0].text)
	assert.Equal(t, "project:acme/web", places[1].text)
	web := places[1]
	assert.Equal(t, []string{"emails-on-push", "slack"}, []string{web.wants[0].slug, web.wants[1].slug}, "in slug order")
	assert.Equal(t, &wantedIntegration{state: Present, params: map[string]any{"webhook": "${env:W}", "channel": "#web", "push_events": true},
		notes: []string{"channel: f.yaml:14 overrides f.yaml:8"}}, web.entry("slack").w)
	assert.Equal(t, &wantedIntegration{state: Present, params: map[string]any{"recipients": "web@example.com"},
		notes: []string{"present (f.yaml:16) overrides absent (f.yaml:10)"}}, web.entry("emails-on-push").w)
	api := places[0].entry("emails-on-push").w
	assert.NotNil(t, api.creates, "wanted by one target alone: its creates are shared with the target's other places")
	api.creates, api.shared = nil, false
	assert.Equal(t, &wantedIntegration{state: Absent, params: map[string]any{}}, api)
}

func TestRequiredParametersCheckedAfterMerging(t *testing.T) {
	const spec = `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        channel: "#web"
  - project: acme/api
    integrations:
      slack:
        webhook: ${env:W}
  - project: acme/api
    integrations:
      slack:
        channel: "#api"
`
	s, err := ParseSpec("f.yaml", []byte(spec))
	require.NoError(t, err)
	places, err := expand(context.Background(), s, nil)
	require.NoError(t, err)
	err = checkRequired(places)
	assert.ErrorIs(t, err, integrations.ErrValidation)
	assert.EqualError(t, err, "f.yaml:5: slack: webhook is required (GitLab needs it on every change; write it as a reference such as ${env:SLACK_WEBHOOK}); missing for project:acme/web")
}
