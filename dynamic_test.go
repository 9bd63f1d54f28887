package integrations

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIntegrationResolvesSpellings resolves every slug, its Go name and its
// underscore form, plus the names users write, to the catalog entry.
func TestIntegrationResolvesSpellings(t *testing.T) {
	t.Parallel()
	c := newFakeGitLab(t).client()
	n := 0
	for _, info := range Catalog() {
		for _, name := range []string{info.Slug, info.GoName, strings.ToUpper(info.GoName),
			strings.ReplaceAll(info.Slug, "-", "_"), info.Title} {
			d, err := c.Integration(name)
			require.NoError(t, err, name)
			assert.Equal(t, info.Slug, d.Info().Slug, name)
			n++
		}
	}
	for name, slug := range map[string]string{
		"hangouts_chat": "hangouts-chat", "apple_app_store": "apple-app-store", "circuit": "unify-circuit",
		"MicrosoftTeams": "microsoft-teams", "Emails_On_Push": "emails-on-push", "teams": "microsoft-teams",
		"google-chat": "hangouts-chat", " slack ": "slack",
	} {
		d, err := c.Integration(name)
		require.NoError(t, err, name)
		assert.Equal(t, slug, d.Info().Slug, name)
	}
	t.Logf("%d spellings of %d integrations", n, len(Catalog()))
}

// TestIntegrationUnknownSlug names the closest slugs.
func TestIntegrationUnknownSlug(t *testing.T) {
	t.Parallel()
	c := newFakeGitLab(t).client()
	for name, want := range map[string]string{
		"slak":          `unknown integration "slak" (did you mean slack`,
		"mattermots":    "did you mean mattermost",
		"jira-cloud-ap": "did you mean jira-cloud-app",
		"zzzzzzzzzzzz":  "integrations.Catalog() lists them",
		"":              "empty integration name",
	} {
		d, err := c.Integration(name)
		require.ErrorIs(t, err, ErrUnknownIntegration, name)
		assert.Nil(t, d)
		assert.Contains(t, err.Error(), want, name)
	}
	var zero *Client
	_, err := zero.Integration("slack")
	require.ErrorContains(t, err, "use NewClient")
}

// TestDynamicSetSendsGitLabTypes sends the lenient forms a user types and
// checks the exact body: GitLab's JSON types.
func TestDynamicSetSendsGitLabTypes(t *testing.T) {
	t.Parallel()
	f := newFakeGitLab(t)
	f.on(http.MethodPut, fakeBaseURL+"/api/v4/projects/acme%2Fweb/integrations/jira", 200, string(fixtureBytes(t, "jira")))
	d, err := f.client().Integration("jira")
	require.NoError(t, err)
	_, err = d.Set(context.Background(), Project("acme/web"), Values{
		"url":                             "https://jira.example.com",
		"password":                        "s3cret-pass",
		"jira_issue_transition_automatic": "true",
		"issues_enabled":                  "1",
		"jira_issue_regex":                "[A-Z]+-\\d+",
		"project_keys":                    "PROJ, OPS",
		"commit_events":                   1,
		"merge_requests_events":           "no",
		"jira_auth_type":                  "1",
	})
	require.NoError(t, err)
	sent := f.requests()
	require.Len(t, sent, 1)
	assert.JSONEq(t, `{
		"url": "https://jira.example.com", "password": "s3cret-pass",
		"jira_issue_transition_automatic": true, "issues_enabled": "1",
		"jira_issue_regex": "[A-Z]+-\\d+", "project_keys": ["PROJ", "OPS"],
		"commit_events": true, "merge_requests_events": false, "jira_auth_type": 1
	}`, string(sent[0].Body))
}

// TestDynamicSetReportsEveryProblem checks every kind of problem at once,
// and that nothing is sent.
func TestDynamicSetReportsEveryProblem(t *testing.T) {
	t.Parallel()
	f := newFakeGitLab(t)
	d, err := f.client().Integration("slack")
	require.NoError(t, err)
	_, err = d.Set(context.Background(), Project("acme/web"), Values{
		"chanel":                  "#deploys",
		"push_events":             "maybe",
		"branches_to_be_notified": "some",
		"labels_to_be_notified":   []int{1},
		"username":                nil,
	})
	require.ErrorIs(t, err, ErrValidation)
	var verr *ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, "slack", verr.Integration)
	assert.Equal(t, []string{
		`branches_to_be_notified: "some" is not one of all, default, protected, default_and_protected`,
		"chanel: slack has no such parameter (did you mean channel?)",
		"labels_to_be_notified: want a string, got a []int",
		`push_events: want a boolean, got "maybe" (write true or false)`,
		"username: no value (leave the name out to keep GitLab's value)",
		"webhook: is required (GitLab needs it on every Set, updates included)",
	}, verr.Problems)
	assert.Empty(t, f.requests(), "nothing is sent")

	_, err = d.Set(context.Background(), Project("acme/web"), Values{"webhook": ""})
	require.ErrorContains(t, err, "webhook: is required")

	teams, err := f.client().Integration("jenkins")
	require.NoError(t, err)
	_, err = teams.Set(context.Background(), Group("acme"), Values{"jenkins_url": "https://ci", "project_name": "web"})
	require.ErrorContains(t, err, "available for projects only")
	_, err = d.Set(context.Background(), Scope{}, Values{"webhook": "https://x"})
	require.ErrorIs(t, err, ErrValidation)
	assert.Empty(t, f.requests(), "nothing is sent")
}

// TestDynamicSetEveryIntegrationChecksEveryParameter gives each parameter
// of every integration a value of the wrong type and checks that Set names
// it, and a right value in a typed form and checks that it is sent as
// GitLab's type.
func TestDynamicSetEveryIntegrationChecksEveryParameter(t *testing.T) {
	t.Parallel()
	f := newFakeGitLab(t)
	c := f.client()
	checked := 0
	for _, info := range Catalog() {
		d, err := c.Integration(info.Slug)
		require.NoError(t, err)
		bad := Values{}
		for _, p := range info.Parameters {
			switch p.Type {
			case TypeBoolean, TypeInteger:
				bad[p.Name] = map[string]any{}
			case TypeStringList:
				bad[p.Name] = 4.5
			default:
				bad[p.Name] = []int{1}
			}
		}
		_, err = d.Set(context.Background(), ProjectID(1), bad)
		var verr *ValidationError
		require.ErrorAs(t, err, &verr, info.Slug)
		for _, p := range info.Parameters {
			found := false
			for _, msg := range verr.Problems {
				found = found || strings.HasPrefix(msg, p.Name+": want ")
			}
			assert.True(t, found, "%s.%s: wrong type not reported in %v", info.Slug, p.Name, verr.Problems)
			checked++
		}
	}
	assert.Empty(t, f.requests())
	t.Logf("%d parameters refused with a wrong type", checked)
}

// TestDynamicGetTypesProperties decodes every fixture by slug: each known
// property has its parameter's Go type, and agrees with the typed service.
func TestDynamicGetTypesProperties(t *testing.T) {
	t.Parallel()
	f := newFakeGitLab(t)
	c := f.client()
	props := 0
	for _, info := range Catalog() {
		f.on(http.MethodGet, fakeBaseURL+"/api/v4/projects/1/integrations/"+info.Slug, 200, string(fixtureBytes(t, info.Slug)))
		d, err := c.Integration(info.Slug)
		require.NoError(t, err)
		got, err := d.Get(context.Background(), ProjectID(1))
		require.NoError(t, err, info.Slug)
		typed, err := serviceFor(t, info.Slug).get(context.Background(), c, ProjectID(1))
		require.NoError(t, err)
		_, typedProps, _ := settingsParts(t, typed)
		for _, p := range info.Parameters {
			v, ok := got.Properties[p.Name]
			if !p.Returned {
				continue
			}
			require.True(t, ok, "%s.%s reported", info.Slug, p.Name)
			want := map[ParameterType]string{TypeBoolean: "bool", TypeInteger: "int64", TypeString: "string", TypeStringList: "[]string"}[p.Type]
			assert.Equal(t, want, fmt.Sprintf("%T", v), "%s.%s", info.Slug, p.Name)
			fv, ok := fieldOfJSON(typedProps, p.Name)
			require.True(t, ok, "%s.%s in the typed properties", info.Slug, p.Name)
			assert.Equal(t, plainOf(fv), v, "%s.%s agrees with the typed service", info.Slug, p.Name)
			props++
		}
	}
	t.Logf("%d properties typed", props)
}

// TestDynamicGetRefusesWrongTypes: a property GitLab sent in a form that
// cannot be its type is an error naming it, not a silent value.
func TestDynamicGetRefusesWrongTypes(t *testing.T) {
	t.Parallel()
	f := newFakeGitLab(t)
	f.on(http.MethodGet, fakeBaseURL+"/api/v4/projects/1/integrations/slack", 200,
		`{"id":1,"slug":"slack","properties":{"notify_only_broken_pipelines":"perhaps"}}`)
	d, _ := f.client().Integration("slack")
	_, err := d.Get(context.Background(), ProjectID(1))
	require.ErrorIs(t, err, ErrInvalidResponse)
	assert.Contains(t, err.Error(), "notify_only_broken_pipelines")
}

// TestSettingsJSONKeepsUnknownKeys: json.Marshal of Settings keeps keys
// the SDK has no field for, and printing shows JSON with secrets redacted.
func TestSettingsJSONKeepsUnknownKeys(t *testing.T) {
	t.Parallel()
	var s Settings[SlackProperties]
	require.NoError(t, json.Unmarshal([]byte(`{"id":3,"slug":"slack","active":true,
		"properties":{"channel":"#a","zz_new_setting":{"x":[1,2]}}}`), &s))
	s.Properties.Username = "bot"
	data, err := json.Marshal(s)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	props := m["properties"].(map[string]any)
	assert.Equal(t, map[string]any{"x": []any{1.0, 2.0}}, props["zz_new_setting"])
	assert.Equal(t, "bot", props["username"], "a changed typed value wins")
	assert.Equal(t, "#a", props["channel"])
	assert.Equal(t, true, m["active"])

	printed := fmt.Sprint(&s)
	assert.True(t, strings.HasPrefix(printed, `{"id":3,`), printed)
	assert.Contains(t, printed, `"zz_new_setting":{"x":[1,2]}`)

	var apple Settings[Values]
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"slug":"apple-app-store","properties":{"app_store_private_key":"-----BEGIN PRIVATE KEY-----abc","app_store_issuer_id":"iss"}}`), &apple))
	printed = fmt.Sprintf("%v %+v %s", apple, apple, apple)
	assert.NotContains(t, printed, "BEGIN PRIVATE KEY")
	assert.Contains(t, printed, `"app_store_issuer_id":"iss"`)
}

// TestDynamicOptionsFromLeavesEmptyEnumsUnset: a Slack set up with only
// its webhook reports branches_to_be_notified "" and labels behaviour null;
// OptionsFrom leaves them out, so that Set accepts the copy.
func TestDynamicOptionsFromLeavesEmptyEnumsUnset(t *testing.T) {
	t.Parallel()
	f := newFakeGitLab(t)
	answer := `{"id":1,"slug":"slack","active":true,"push_events":true,"properties":{"channel":"","branches_to_be_notified":"","labels_to_be_notified_behavior":null,"notify_only_broken_pipelines":"1"}}`
	f.on(http.MethodGet, fakeBaseURL+"/api/v4/projects/1/integrations/slack", 200, answer)
	f.on(http.MethodPut, fakeBaseURL+"/api/v4/projects/2/integrations/slack", 200, answer)
	c := f.client()
	d, _ := c.Integration("slack")
	st, err := d.Get(context.Background(), ProjectID(1))
	require.NoError(t, err)
	v, missing := d.OptionsFrom(st)
	assert.Equal(t, []string{"webhook"}, missing)
	assert.NotContains(t, v, "branches_to_be_notified")
	assert.NotContains(t, v, "labels_to_be_notified_behavior")
	assert.Equal(t, true, v["push_events"])
	assert.Equal(t, true, v["notify_only_broken_pipelines"])
	assert.Equal(t, false, v["use_inherited_settings"])
	assert.NotContains(t, v, "notify_only_default_branch", "ignored parameters are not copied")
	v["webhook"] = "https://hooks.example.com/x"
	_, err = d.Set(context.Background(), ProjectID(2), v)
	require.NoError(t, err)

	typed, err := c.Slack.Get(context.Background(), ProjectID(1))
	require.NoError(t, err)
	o, missing := c.Slack.OptionsFrom(typed)
	assert.Equal(t, []string{"webhook"}, missing)
	assert.Nil(t, o.BranchesToBeNotified)
	o.Webhook = "https://hooks.example.com/x"
	_, err = c.Slack.Set(context.Background(), ProjectID(2), o)
	require.NoError(t, err, "typed Set accepts the copy")

	var nilSvc *DynamicService
	nv, nm := nilSvc.OptionsFrom(st)
	assert.Nil(t, nv)
	assert.Nil(t, nm)
	no, _ := c.Slack.OptionsFrom(nil)
	assert.Nil(t, no)
}

// fieldOfJSON finds the field of struct v whose json name is name.
func fieldOfJSON(v reflect.Value, name string) (reflect.Value, bool) {
	for i := 0; i < v.NumField(); i++ {
		if jsonName(v.Type().Field(i)) == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// plainOf returns a typed property as the Go type Values holds it in:
// enums as string, every integer as int64, lists as []string.
func plainOf(v reflect.Value) any {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int64, reflect.Int32:
		return v.Int()
	case reflect.Slice:
		out := make([]string, v.Len())
		for i := range out {
			out[i] = v.Index(i).String()
		}
		return out
	}
	return v.Interface()
}

// TestDynamicSetWarnsOfIgnoredParameters: sending a parameter current
// GitLab drops logs a warning that names it, never its value.
func TestDynamicSetWarnsOfIgnoredParameters(t *testing.T) {
	t.Parallel()
	f := newFakeGitLab(t)
	f.on(http.MethodPut, fakeBaseURL+"/api/v4/projects/1/integrations/slack", 200, string(fixtureBytes(t, "slack")))
	var logs strings.Builder
	c := f.client(WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	d, _ := c.Integration("slack")
	_, err := d.Set(context.Background(), ProjectID(1), Values{"webhook": "https://hooks.example.com/s3cret", "notify_only_default_branch": true})
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "current GitLab ignores these parameters")
	assert.Contains(t, logs.String(), "parameters=notify_only_default_branch")
	assert.NotContains(t, logs.String(), "s3cret")

	logs.Reset()
	_, err = d.Set(context.Background(), ProjectID(1), Values{"webhook": "https://hooks.example.com/s3cret"})
	require.NoError(t, err)
	assert.Empty(t, logs.String())
}
