package fleet

import (
	"errors"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustInfo(t *testing.T, slug string) integrations.IntegrationInfo {
	t.Helper()
	info, ok := integrations.Lookup(slug)
	require.True(t, ok, slug)
	return info
}

func noResolve(v any) (any, error) { return v, nil }

var stamp = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func slackSettings(props integrations.Values, mut func(*integrations.Integration)) observed {
	st := &integrations.Settings[integrations.Values]{Properties: props}
	st.Slug, st.Active, st.UpdatedAt = "slack", true, stamp
	st.PushEvents = true
	if mut != nil {
		mut(&st.Integration)
	}
	return observed{listed: &st.Integration, settings: st}
}

func TestDiffActiveOwnSettings(t *testing.T) {
	info := mustInfo(t, "slack")
	want := wantedIntegration{state: Present, params: map[string]any{
		"webhook":                    "${env:SLACK_WEBHOOK}",
		"channel":                    "#deploys, #ops",
		"push_events":                false,
		"pipeline_events":            true,
		"work_item_events":           true,
		"notify_only_default_branch": true,
		"branches_to_be_notified":    "all",
	}}
	o := slackSettings(integrations.Values{"channel": "#ops,#deploys", "branches_to_be_notified": "default"}, nil)
	ch, err := diffOne(info, want, o, noResolve, nil)
	require.NoError(t, err)
	assert.Equal(t, Update, ch.Action)
	assert.Equal(t, stamp, ch.UpdatedAt)
	// The channel list compares as a set; the secret never drifts by itself.
	assert.Equal(t, []FieldChange{
		{Name: "branches_to_be_notified", From: "default", To: "all"},
		{Name: "push_events", From: true, To: false},
		{Name: "pipeline_events", From: false, To: true},
	}, ch.Fields)
	assert.Equal(t, map[string]any{
		"branches_to_be_notified": "all", "push_events": false, "pipeline_events": true,
		"webhook": "${env:SLACK_WEBHOOK}", "work_item_events": true, "notify_only_default_branch": true,
	}, ch.Send)
	assert.Equal(t, []string{
		"work_item_events: cannot be verified (GitLab accepts it but never reports it); sent with every change",
		"notify_only_default_branch: cannot be verified (current GitLab ignores it; older servers may not); sent with every change",
	}, ch.Notes)
}

func TestDiffNoOpWhenOnlyUnverifiableOrSecret(t *testing.T) {
	info := mustInfo(t, "slack")
	want := wantedIntegration{state: Present, params: map[string]any{
		"webhook": "${env:SLACK_WEBHOOK}", "work_item_events": false, "push_events": true, "channel": " #a ,#b",
	}}
	o := slackSettings(integrations.Values{"channel": "#b,#a"}, nil)
	ch, err := diffOne(info, want, o, func(any) (any, error) { return nil, errors.New("must not resolve") }, nil)
	require.NoError(t, err)
	assert.Equal(t, NoOp, ch.Action)
	assert.Nil(t, ch.Fields)
	assert.Nil(t, ch.Send)
}

func TestDiffSecretChangedByFingerprint(t *testing.T) {
	info := mustInfo(t, "slack")
	want := wantedIntegration{state: Present, params: map[string]any{"webhook": "${env:W}"}}
	o := slackSettings(integrations.Values{}, nil)
	ch, err := diffOne(info, want, o, noResolve, func(param string, v any) (bool, bool, string) {
		assert.Equal(t, "webhook", param)
		return true, true, ""
	})
	require.NoError(t, err)
	assert.Equal(t, Update, ch.Action)
	assert.Equal(t, []FieldChange{{Name: "webhook", From: "(secret)", To: "(secret)", Secret: true}}, ch.Fields)
	assert.Equal(t, []string{"webhook: (secret changed) since the last apply recorded in the state file"}, ch.Notes)
	assert.Equal(t, map[string]any{"webhook": "${env:W}"}, ch.Send)
}

// A secret marked new is sent unless the state file records this very
// value: without a state file every time, with one until it is recorded.
func TestDiffNewSecret(t *testing.T) {
	info := mustInfo(t, "microsoft-teams")
	want := wantedIntegration{state: Present, params: map[string]any{"webhook": "${env:W}"}, fresh: map[string]bool{"webhook": true}}
	o := observed{
		listed:   &integrations.Integration{Slug: "microsoft-teams", Active: true, UpdatedAt: stamp},
		settings: &integrations.Settings[integrations.Values]{Integration: integrations.Integration{Slug: "microsoft-teams", Active: true}, Properties: integrations.Values{}},
	}
	field := []FieldChange{{Name: "webhook", From: "(secret)", To: "(secret)", Secret: true}}
	for _, c := range []struct {
		name    string
		secrets secretCheck
		fields  []FieldChange
		note    string
	}{
		{"no state file", nil, field, "webhook: (new secret) marked !new: without a state file every plan sends it again (plan and apply with --state FILE to record it)"},
		{"not recorded", func(string, any) (bool, bool, string) { return false, false, "" }, field, "webhook: (new secret) marked !new and not yet recorded in the state file"},
		{"recorded, same value", func(string, any) (bool, bool, string) { return false, true, "" }, nil, ""},
		{"recorded, other value", func(string, any) (bool, bool, string) { return true, true, "" }, field, "webhook: (secret changed) since the last apply recorded in the state file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch, err := diffOne(info, want, o, noResolve, c.secrets)
			require.NoError(t, err)
			assert.Equal(t, c.fields, ch.Fields)
			if c.note == "" {
				assert.Equal(t, NoOp, ch.Action)
				assert.Empty(t, ch.Notes)
				return
			}
			assert.Equal(t, Update, ch.Action)
			assert.Contains(t, ch.Notes, c.note)
			assert.Equal(t, "${env:W}", ch.Send["webhook"])
		})
	}
}

func TestDiffStates(t *testing.T) {
	slack := mustInfo(t, "slack")
	active := observed{listed: &integrations.Integration{Slug: "slack", Active: true, UpdatedAt: stamp}}
	inherited := observed{listed: &integrations.Integration{Slug: "slack", Active: true, Inherited: true, UpdatedAt: stamp}}
	present := wantedIntegration{state: Present, params: map[string]any{"webhook": "${env:W}", "channel": "#x"}}
	for _, c := range []struct {
		name   string
		want   wantedIntegration
		o      observed
		action Action
		fields []FieldChange
		send   map[string]any
	}{
		{"absent, active", wantedIntegration{state: Absent}, active, Disable, nil, nil},
		{"absent, not active", wantedIntegration{state: Absent}, observed{}, NoOp, nil, nil},
		{"inherit, inherited", wantedIntegration{state: Inherit}, inherited, NoOp, nil, nil},
		{"inherit, own", wantedIntegration{state: Inherit}, active, InheritAction, nil,
			map[string]any{"use_inherited_settings": true, "webhook": "inherited"}},
		{"present, not active", present, observed{}, Create,
			[]FieldChange{{Name: "webhook", To: "(secret)", Secret: true}, {Name: "channel", To: "#x"}},
			map[string]any{"use_inherited_settings": false, "webhook": "${env:W}", "channel": "#x"}},
		{"present, inherited", present, inherited, Update,
			[]FieldChange{{Name: "webhook", From: "(inherited)", To: "(secret)", Secret: true}, {Name: "channel", From: "(inherited)", To: "#x"}},
			map[string]any{"use_inherited_settings": false, "webhook": "${env:W}", "channel": "#x"}},
	} {
		ch, err := diffOne(slack, c.want, c.o, noResolve, nil)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.action, ch.Action, c.name)
		assert.Equal(t, c.fields, ch.Fields, c.name)
		assert.Equal(t, c.send, ch.Send, c.name)
	}
}

func TestDiffComparesNormalised(t *testing.T) {
	jira := mustInfo(t, "jira")
	st := &integrations.Settings[integrations.Values]{Properties: integrations.Values{
		"url": "https://j", "jira_auth_type": int64(1), "project_keys": []string{"B", "A"}, "username": nil,
	}}
	st.Slug, st.Active = "jira", true
	want := wantedIntegration{state: Present, params: map[string]any{
		"url": "https://j", "password": "${env:P}", "jira_auth_type": int64(1), "project_keys": []string{"A", "B"}, "username": "",
	}}
	ch, err := diffOne(jira, want, observed{listed: &st.Integration, settings: st}, noResolve, nil)
	require.NoError(t, err)
	assert.Equal(t, NoOp, ch.Action, ch.Fields)
	// A non-secret reference is resolved to compare, shown unresolved.
	want.params["url"] = "${env:JIRA_URL}"
	ch, err = diffOne(jira, want, observed{listed: &st.Integration, settings: st}, func(v any) (any, error) { return "https://k", nil }, nil)
	require.NoError(t, err)
	assert.Equal(t, []FieldChange{{Name: "url", From: "https://j", To: "${env:JIRA_URL}"}}, ch.Fields)
	assert.Equal(t, map[string]any{"url": "${env:JIRA_URL}", "password": "${env:P}"}, ch.Send)
	// A reference that cannot be resolved here cannot be compared: it is
	// sent (apply resolves it, or refuses), and the plan says why.
	ch, err = diffOne(jira, want, observed{listed: &st.Integration, settings: st}, newResolver(func(string) (string, bool) { return "", false }).value, nil)
	require.NoError(t, err)
	assert.Equal(t, Update, ch.Action)
	assert.Equal(t, []FieldChange{{Name: "url", From: "https://j", To: "${env:JIRA_URL}"}}, ch.Fields)
	assert.Equal(t, map[string]any{"url": "${env:JIRA_URL}", "password": "${env:P}"}, ch.Send)
	assert.Equal(t, []string{"url: not compared: its reference cannot be resolved here"}, ch.Notes)
}
