package integrationstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

func slackOptions() *integrations.SlackOptions {
	return &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T0/B0/X", Channel: integrations.Ptr("#deploys")}
}

// gitlabError asserts that err is an *integrations.Error with the status
// and message GitLab sends.
func gitlabError(t *testing.T, err error, status int, message string) *integrations.Error {
	t.Helper()
	var gerr *integrations.Error
	require.ErrorAs(t, err, &gerr)
	assert.Equal(t, status, gerr.StatusCode)
	assert.Equal(t, message, gerr.Message)
	return gerr
}

func TestNotFoundAnswersThroughTheSDK(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	pid := srv.AddProject("acme/web")
	gid := srv.AddGroup("acme")

	_, err := c.Jira.Get(ctx, integrations.ProjectID(pid))
	assert.ErrorIs(t, err, integrations.ErrIntegrationNotFound)
	assert.ErrorIs(t, err, integrations.ErrNotFound)
	assert.NotErrorIs(t, err, integrations.ErrProjectNotFound)
	gitlabError(t, err, http.StatusNotFound, "404 Integration Not Found")

	err = c.Jira.Delete(ctx, integrations.GroupID(gid))
	assert.ErrorIs(t, err, integrations.ErrIntegrationNotFound, "DELETE of an integration never set up")

	_, err = c.Slack.Set(ctx, integrations.Project("acme/nope"), slackOptions())
	assert.ErrorIs(t, err, integrations.ErrProjectNotFound)
	assert.NotErrorIs(t, err, integrations.ErrIntegrationNotFound)
	gitlabError(t, err, http.StatusNotFound, "404 Project Not Found")

	_, err = c.List(ctx, integrations.ProjectID(pid+100))
	assert.ErrorIs(t, err, integrations.ErrProjectNotFound)

	_, err = c.Slack.Get(ctx, integrations.Group("nope"))
	assert.ErrorIs(t, err, integrations.ErrGroupNotFound)
	gitlabError(t, err, http.StatusNotFound, "404 Group Not Found")

	// Project and group IDs are separate, as in GitLab.
	_, err = c.List(ctx, integrations.GroupID(pid+gid+1))
	assert.ErrorIs(t, err, integrations.ErrGroupNotFound)
}

func TestAuthenticationAnswers(t *testing.T) {
	srv := newServer(t, integrationstest.WithToken("glpat-secret"))
	srv.AddProject("acme/web")
	ctx := context.Background()
	assert.Equal(t, "glpat-secret", srv.Token())

	bad, err := integrations.NewClient("glpat-wrong", integrations.WithBaseURL(srv.URL()), integrations.WithoutRetries())
	require.NoError(t, err)
	_, err = bad.List(ctx, integrations.Project("acme/web"))
	assert.ErrorIs(t, err, integrations.ErrUnauthorized)
	gitlabError(t, err, http.StatusUnauthorized, "401 Unauthorized")

	a := raw(t, srv, http.MethodGet, "/api/v4/projects/acme%2Fweb/integrations", "", "-")
	assert.Equal(t, http.StatusUnauthorized, a.status)
	assert.JSONEq(t, `{"message":"401 Unauthorized"}`, a.body)

	// The token is checked before the project is looked up.
	a = raw(t, srv, http.MethodGet, "/api/v4/projects/acme%2Fnope/integrations", "", "-")
	assert.Equal(t, http.StatusUnauthorized, a.status)

	dev, err := integrations.NewClient(srv.IssueToken(integrationstest.Developer), integrations.WithBaseURL(srv.URL()), integrations.WithoutRetries())
	require.NoError(t, err)
	_, err = dev.Slack.Set(ctx, integrations.Project("acme/web"), slackOptions())
	assert.ErrorIs(t, err, integrations.ErrForbidden)
	gitlabError(t, err, http.StatusForbidden, "403 Forbidden")

	// Every way GitLab takes a token.
	for _, tc := range []struct {
		name   string
		opts   []integrations.ClientOption
		header string
	}{
		{"private token", nil, "Private-Token"},
		{"oauth", []integrations.ClientOption{integrations.WithTokenType(integrations.OAuthToken)}, "Authorization"},
		{"job token", []integrations.ClientOption{integrations.WithTokenType(integrations.JobToken)}, "Job-Token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			c := newClient(t, srv, tc.opts...)
			_, err := c.List(ctx, integrations.Project("acme/web"))
			require.NoError(t, err)
			reqs := srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, []string{"[REDACTED]"}, reqs[0].Header[tc.header], "the log keeps the header, not the token")
		})
	}
	a = raw(t, srv, http.MethodGet, "/api/v4/projects/acme%2Fweb/integrations?private_token=glpat-secret", "", "-")
	assert.Equal(t, http.StatusOK, a.status, a.body)
	assert.Equal(t, "[REDACTED]", srv.Requests()[len(srv.Requests())-1].Query.Get("private_token"))
}

func TestValidationAnswersExactBodies(t *testing.T) {
	srv := newServer(t)
	srv.AddProject("acme/web")
	const jira = "/api/v4/projects/acme%2Fweb/integrations/jira"
	for _, tc := range []struct {
		name, body, want string
	}{
		{"every missing required parameter, in declaration order", `{}`, `{"error":"url is missing, password is missing"}`},
		{"a body of null", `null`, `{"error":"url is missing, password is missing"}`},
		{"wrong type for an integer", `{"url":"https://j.example.com","password":"p","jira_auth_type":"basic"}`, `{"error":"jira_auth_type is invalid"}`},
		{"a value not allowed", `{"url":"https://j.example.com","password":"p","jira_auth_type":7}`, `{"error":"jira_auth_type does not have a valid value"}`},
		{"wrong type for a boolean", `{"url":"https://j.example.com","password":"p","commit_events":"maybe"}`, `{"error":"commit_events is invalid"}`},
		{"wrong type for a list", `{"url":"https://j.example.com","password":"p","project_keys":"AB"}`, `{"error":"project_keys is invalid"}`},
		{"an object for a string", `{"url":{"x":1},"password":"p"}`, `{"error":"url is invalid"}`},
		{"several problems at once", `{"password":"p","jira_auth_type":9,"merge_requests_events":[]}`,
			`{"error":"url is missing, jira_auth_type does not have a valid value, merge_requests_events is invalid"}`},
		{"a blank required value fails the model", `{"url":"","password":" "}`,
			`{"message":"Failed to update integration. {:url=>[\"can't be blank\", \"must be a valid URL\"], :password=>[\"can't be blank\"]}"}`},
		{"malformed JSON", `{"url":`, `{"error":"message body does not match declared format"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := raw(t, srv, http.MethodPut, jira, tc.body)
			assert.Equal(t, http.StatusBadRequest, a.status)
			assert.JSONEq(t, tc.want, a.body)
		})
	}
	// Nothing was stored by the failed PUTs.
	a := raw(t, srv, http.MethodGet, jira, "")
	assert.Equal(t, http.StatusNotFound, a.status)
	assert.JSONEq(t, `{"message":"404 Integration Not Found"}`, a.body)

	// Allowed values in a comma list are checked item by item.
	const app = "/api/v4/projects/acme%2Fweb/integrations/slack"
	a = raw(t, srv, http.MethodPut, app, `{"webhook":"https://h.example.com","branches_to_be_notified":"some"}`)
	assert.JSONEq(t, `{"error":"branches_to_be_notified does not have a valid value"}`, a.body)
}

// TestValidationAnswersThroughTheSDK makes the SDK send what its own checks
// refuse (a transport edits the body), so that GitLab's validation answers
// reach the SDK's typed errors.
func TestValidationAnswersThroughTheSDK(t *testing.T) {
	srv := newServer(t)
	srv.AddProject("acme/web")
	ctx := context.Background()
	edit := func(f func(m map[string]any)) *http.Client {
		return &http.Client{Transport: bodyRewriter{rewrite: func(b []byte) []byte {
			var m map[string]any
			if json.Unmarshal(b, &m) != nil {
				return b
			}
			f(m)
			out, _ := json.Marshal(m)
			return out
		}}}
	}

	c := newClient(t, srv, integrations.WithHTTPClient(edit(func(m map[string]any) {
		delete(m, "webhook")
		m["push_events"] = "sometimes"
		m["branches_to_be_notified"] = "nightly"
	})))
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), slackOptions())
	gerr := gitlabError(t, err, http.StatusBadRequest, "webhook is missing, branches_to_be_notified does not have a valid value, push_events is invalid")
	assert.Equal(t, map[string][]string{
		"webhook":                 {"is missing"},
		"branches_to_be_notified": {"does not have a valid value"},
		"push_events":             {"is invalid"},
	}, gerr.Fields)
	assert.NotErrorIs(t, err, integrations.ErrValidation, "GitLab's 400 is not the SDK's own check")

	c = newClient(t, srv, integrations.WithHTTPClient(edit(func(m map[string]any) { m["webhook"] = "" })))
	_, err = c.Slack.Set(ctx, integrations.Project("acme/web"), slackOptions())
	gerr = gitlabError(t, err, http.StatusBadRequest, `Failed to update integration. {:webhook=>["can't be blank", "must be a valid URL"]}`)
	assert.Equal(t, map[string][]string{"webhook": {"can't be blank", "must be a valid URL"}}, gerr.Fields)

	// Unknown and ignored parameters are dropped, not refused.
	c = newClient(t, srv, integrations.WithHTTPClient(edit(func(m map[string]any) { m["no_such_param"] = 1 })))
	ignored := &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T0/B0/X"}
	//lint:ignore SA1019 sending a parameter current GitLab ignores is what is tested
	ignored.NotifyOnlyDefaultBranch = integrations.Ptr(true)
	//lint:ignore SA1019 sending a parameter current GitLab ignores is what is tested
	ignored.CommitEvents = integrations.Ptr(false)
	s, err := c.Slack.Set(ctx, integrations.Project("acme/web"), ignored)
	require.NoError(t, err)
	assert.True(t, s.CommitEvents, "an ignored flag leaves the default")
	assert.NotContains(t, string(s.RawProperties), "no_such_param")
	assert.NotContains(t, string(s.RawProperties), "notify_only_default_branch")
}

func TestSlugAndLevelAnswers(t *testing.T) {
	srv := newServer(t)
	pid := srv.AddProject("acme/web")
	srv.AddGroup("acme")
	c := newClient(t, srv)
	ctx := context.Background()

	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"GET of an unknown slug", "GET", "/api/v4/projects/acme%2Fweb/integrations/nope", "", 400, `{"error":"slug does not have a valid value"}`},
		{"DELETE of an unknown slug", "DELETE", "/api/v4/projects/acme%2Fweb/integrations/nope", "", 400, `{"error":"slug does not have a valid value"}`},
		{"PUT of an unknown slug matches no route", "PUT", "/api/v4/projects/acme%2Fweb/integrations/apple_app_store", `{}`, 404, `{"error":"404 Not Found"}`},
		{"PUT of an unknown slug needs no token", "PUT", "/api/v4/projects/1/integrations/nope", `{}`, 404, `{"error":"404 Not Found"}`},
		{"a removed integration on current GitLab (GET)", "GET", "/api/v4/projects/acme%2Fweb/integrations/flowdock", "", 400, `{"error":"slug does not have a valid value"}`},
		{"a removed integration on current GitLab (PUT)", "PUT", "/api/v4/projects/acme%2Fweb/integrations/slack-slash-commands", `{"token":"t"}`, 404, `{"error":"404 Not Found"}`},
		{"a project-only integration on a group (GET)", "GET", "/api/v4/groups/acme/integrations/jenkins", "", 400, `{"message":"400 Integration not available"}`},
		{"a project-only integration on a group (PUT)", "PUT", "/api/v4/groups/acme/integrations/github", `{"token":"t","repository_url":"https://github.com/a/b"}`, 400, `{"message":"400 Integration not available"}`},
		{"a project-only integration on a group (DELETE)", "DELETE", "/api/v4/groups/acme/integrations/google-play", "", 400, `{"message":"400 Integration not available"}`},
		{"groups have no services alias", "GET", "/api/v4/groups/acme/services", "", 404, `{"error":"404 Not Found"}`},
		{"an unencoded path matches no route", "GET", "/api/v4/projects/acme/web/integrations", "", 404, `{"error":"404 Not Found"}`},
		{"outside the API", "GET", "/projects/1/integrations", "", 404, `{"error":"404 Not Found"}`},
		{"a method the route lacks", "POST", "/api/v4/projects/acme%2Fweb/integrations/slack", `{}`, 405, `{"error":"405 Not Allowed"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := raw(t, srv, tc.method, tc.path, tc.body)
			assert.Equal(t, tc.status, a.status)
			assert.JSONEq(t, tc.want, a.body)
		})
	}

	// The SDK refuses the project-only integration on a group before sending.
	srv.ResetRequests()
	_, err := c.Jenkins.Get(ctx, integrations.Group("acme"))
	var verr *integrations.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Empty(t, srv.Requests(), "nothing reached the server")

	// The project is found by ID, by path in any case, and through the
	// legacy services alias.
	_, err = c.Slack.Set(ctx, integrations.ProjectID(pid), slackOptions())
	require.NoError(t, err)
	s, err := c.Slack.Get(ctx, integrations.Project("ACME/Web"))
	require.NoError(t, err)
	assert.Equal(t, "#deploys", s.Properties.Channel)
	a := raw(t, srv, http.MethodGet, "/api/v4/projects/acme%2Fweb/services/slack", "")
	assert.Equal(t, http.StatusOK, a.status)
	assert.Contains(t, a.body, `"channel":"#deploys"`)
}

func TestRemovedIntegrationsOnAnOlderGitLab(t *testing.T) {
	srv := newServer(t, integrationstest.WithRemovedIntegrations())
	srv.AddProject("acme/web")
	a := raw(t, srv, http.MethodPut, "/api/v4/projects/acme%2Fweb/integrations/flowdock", `{"token":"t"}`)
	assert.Equal(t, http.StatusOK, a.status, a.body)
	a = raw(t, srv, http.MethodGet, "/api/v4/projects/acme%2Fweb/integrations/flowdock", "")
	assert.Equal(t, http.StatusOK, a.status, a.body)
	assert.Contains(t, a.body, `"slug":"flowdock"`)
}

func TestListAndEntityShape(t *testing.T) {
	srv := newServer(t)
	srv.AddProject("acme/web")
	const base = "/api/v4/projects/acme%2Fweb/integrations"

	a := raw(t, srv, http.MethodGet, base, "")
	assert.Equal(t, http.StatusOK, a.status)
	assert.JSONEq(t, `[]`, a.body, "an empty list is [] not null")

	a = raw(t, srv, http.MethodPut, base+"/emails-on-push", `{"recipients":"a@example.com","push_events":"false","disable_diffs":"true","no_such":1}`)
	require.Equal(t, http.StatusOK, a.status, a.body)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(a.body), &got))
	for _, k := range []string{"id", "title", "slug", "created_at", "updated_at", "active", "commit_events", "push_events",
		"issues_events", "incident_events", "alert_events", "confidential_issues_events", "merge_requests_events",
		"tag_push_events", "deployment_events", "note_events", "confidential_note_events", "pipeline_events",
		"wiki_page_events", "job_events", "comment_on_event_enabled", "inherited", "vulnerability_events", "properties"} {
		assert.Contains(t, got, k)
	}
	assert.Len(t, got, 24, "no field GitLab does not send")
	assert.Equal(t, false, got["push_events"], `"false" as a string is a boolean false`)
	assert.Equal(t, true, got["active"], "PUT turns the integration on")
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, got["created_at"])
	props := got["properties"].(map[string]any)
	assert.Equal(t, true, props["disable_diffs"])
	assert.Equal(t, "a@example.com", props["recipients"])
	assert.Nil(t, props["branches_to_be_notified"], "never set: null")
	assert.Contains(t, props, "branches_to_be_notified")

	// A form-encoded body works as well.
	a = rawForm(t, srv, base+"/jira", "url=https%3A%2F%2Fj.example.com&password=p&project_keys[]=AB&project_keys[]=CD&jira_auth_type=1")
	require.Equal(t, http.StatusOK, a.status, a.body)
	assert.Contains(t, a.body, `"project_keys":["AB","CD"]`)
	assert.Contains(t, a.body, `"jira_auth_type":1`)
	a = raw(t, srv, http.MethodDelete, base+"/jira", "")
	require.Equal(t, http.StatusNoContent, a.status)
	a = rawForm(t, srv, base+"/pipelines-email", "recipients=a%40example.com&notify_only_broken_pipelines=1")
	require.Equal(t, http.StatusOK, a.status, a.body)
	assert.Contains(t, a.body, `"notify_only_broken_pipelines":true`)

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	require.NoError(t, mw.WriteField("webhook", "https://chat.example.com/hook"))
	require.NoError(t, mw.WriteField("notify_only_broken_pipelines", "false"))
	require.NoError(t, mw.Close())
	a = raw(t, srv, http.MethodPut, base+"/mattermost", mp.String(), "Content-Type: "+mw.FormDataContentType())
	require.Equal(t, http.StatusOK, a.status, a.body)
	assert.Contains(t, a.body, `"notify_only_broken_pipelines":false`)
	require.Equal(t, http.StatusNoContent, raw(t, srv, http.MethodDelete, base+"/mattermost", "").status)

	a = raw(t, srv, http.MethodGet, base, "")
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(a.body), &list))
	require.Len(t, list, 2)
	assert.Equal(t, "emails-on-push", list[0]["slug"], "in the order they were created")
	assert.Equal(t, "pipelines-email", list[1]["slug"])
	assert.NotContains(t, list[0], "properties", "the list has no properties")

	a = raw(t, srv, http.MethodDelete, base+"/emails-on-push", "")
	assert.Equal(t, http.StatusNoContent, a.status)
	assert.Empty(t, a.body)
	a = raw(t, srv, http.MethodGet, base, "")
	require.NoError(t, json.Unmarshal([]byte(a.body), &list))
	require.Len(t, list, 1, "the list holds active integrations only")
	a = raw(t, srv, http.MethodGet, base+"/emails-on-push", "")
	assert.Contains(t, a.body, `"active":false`)
	assert.Contains(t, a.body, `"push_events":false`, "DELETE keeps the event flags")
	assert.Contains(t, a.body, `"recipients":null`, "DELETE resets the settings")
}

func rawForm(t *testing.T, srv *integrationstest.Server, path, form string) rawAnswer {
	t.Helper()
	return raw(t, srv, http.MethodPut, path, form, "Content-Type: application/x-www-form-urlencoded")
}

func TestAppIntegrations(t *testing.T) {
	srv := newServer(t)
	srv.AddProject("acme/web")
	srv.AddGroup("acme")
	c := newClient(t, srv)
	ctx := context.Background()

	_, err := c.GitLabSlackApplication.Set(ctx, integrations.Group("acme"), &integrations.GitLabSlackApplicationOptions{})
	gitlabError(t, err, http.StatusUnprocessableEntity, "You cannot create the GitLab for Slack app integration from the API")

	require.Error(t, srv.InstallApp("acme", "slack"), "only the app integrations are installed")
	require.Error(t, srv.InstallApp("nope", "jira-cloud-app"))
	require.NoError(t, srv.InstallApp("acme", "gitlab-slack-application"))
	s, err := c.GitLabSlackApplication.Set(ctx, integrations.Group("acme"), &integrations.GitLabSlackApplicationOptions{Channel: integrations.Ptr("#ops")})
	require.NoError(t, err)
	assert.True(t, s.Active)
	assert.Equal(t, "#ops", s.Properties.Channel)

	// After Delete, PUT updates the disabled integration and leaves it off.
	require.NoError(t, c.GitLabSlackApplication.Delete(ctx, integrations.Group("acme")))
	s, err = c.GitLabSlackApplication.Set(ctx, integrations.Group("acme"), &integrations.GitLabSlackApplicationOptions{Channel: integrations.Ptr("#ops")})
	require.NoError(t, err)
	assert.False(t, s.Active, "PUT does not turn an app integration on")
}

func TestInheritedSettings(t *testing.T) {
	srv := newServer(t)
	srv.AddGroup("acme")
	srv.AddGroup("acme/platform")
	srv.AddProject("acme/platform/api")
	orphan := srv.AddProject("alice/tool") // its group "alice" has no integration to inherit
	c := newClient(t, srv)
	ctx := context.Background()
	inherit := &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T0/B0/P", UseInheritedSettings: integrations.Ptr(true)}

	_, err := c.Slack.Set(ctx, integrations.Project("acme/platform/api"), inherit)
	gitlabError(t, err, http.StatusBadRequest, "Default integration not found.")
	_, err = c.Slack.Set(ctx, integrations.ProjectID(orphan), inherit)
	gitlabError(t, err, http.StatusBadRequest, "Default integration not found.")

	_, err = c.Slack.Set(ctx, integrations.Group("acme"), &integrations.SlackOptions{
		Webhook: "https://hooks.slack.com/services/T0/B0/G", Channel: integrations.Ptr("#acme"), PipelineEvents: integrations.Ptr(true),
	})
	require.NoError(t, err)
	s, err := c.Slack.Set(ctx, integrations.Project("acme/platform/api"), inherit)
	require.NoError(t, err)
	assert.True(t, s.Inherited)
	assert.Equal(t, "#acme", s.Properties.Channel, "the group's settings")
	assert.True(t, s.PipelineEvents)

	// The group's changes show through; values sent without
	// use_inherited_settings are ignored while inheriting.
	_, err = c.Slack.Set(ctx, integrations.Group("acme"), &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T0/B0/G", Channel: integrations.Ptr("#acme-2")})
	require.NoError(t, err)
	s, err = c.Slack.Set(ctx, integrations.Project("acme/platform/api"), &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T0/B0/P", Channel: integrations.Ptr("#mine")})
	require.NoError(t, err)
	assert.True(t, s.Inherited)
	assert.Equal(t, "#acme-2", s.Properties.Channel)

	// use_inherited_settings=false stops inheriting.
	s, err = c.Slack.Set(ctx, integrations.Project("acme/platform/api"), &integrations.SlackOptions{
		Webhook: "https://hooks.slack.com/services/T0/B0/P", Channel: integrations.Ptr("#mine"), UseInheritedSettings: integrations.Ptr(false),
	})
	require.NoError(t, err)
	assert.False(t, s.Inherited)
	assert.Equal(t, "#mine", s.Properties.Channel)

	// The nearest group wins. acme/platform inherits acme's copy, so it
	// takes settings of its own only with use_inherited_settings=false.
	_, err = c.Slack.Set(ctx, integrations.Group("acme/platform"), &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T0/B0/Q", Channel: integrations.Ptr("#platform"), UseInheritedSettings: integrations.Ptr(false)})
	require.NoError(t, err)
	s, err = c.Slack.Set(ctx, integrations.Project("acme/platform/api"), inherit)
	require.NoError(t, err)
	assert.Equal(t, "#platform", s.Properties.Channel)
}

func TestAddProjectAndGroup(t *testing.T) {
	srv := newServer(t)
	p := srv.AddProject("acme/web")
	assert.Equal(t, int64(1), p)
	assert.Equal(t, p, srv.AddProject("acme/web"), "adding an existing path returns its ID")
	assert.Equal(t, int64(2), srv.AddProject("acme/api"))
	g := srv.AddGroup("acme")
	assert.Equal(t, int64(1), g, "groups have their own IDs")
	assert.Zero(t, srv.AddGroup("acme/web"), "a path names a project or a group, not both")
	assert.Zero(t, srv.AddProject("acme"))
	for _, bad := range []string{"", "/acme", "acme/", "a//b", "a b", "a?b"} {
		assert.Zero(t, srv.AddProject(bad), "%q", bad)
		assert.Zero(t, srv.AddGroup(bad), "%q", bad)
	}
}
