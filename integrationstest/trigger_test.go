package integrationstest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// connectText is the start of GitLab's answer to a chat user with no GitLab
// account connected, which the in-memory GitLab (it has no chat users)
// gives every command that passes.
const connectText = ":wave: Hi there! Before I do anything for you, please [connect your GitLab account]("

// postRaw posts body with contentType to the server's path, without any
// access token, and returns the status and body.
func postRaw(t *testing.T, srv *integrationstest.Server, method, path, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func statusOf(err error) int {
	var e *integrations.Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// TestMattermostSlashCommandTrigger: the trigger answers a command that
// carries the token of the project's active Mattermost slash commands
// integration, and 404 "Integration Not Found" for a wrong token, a token
// of another integration, an integration disabled or never set up, and a
// project that does not exist; 400 without a token; 405 for another method.
func TestMattermostSlashCommandTrigger(t *testing.T) {
	t.Parallel()
	srv := integrationstest.NewServer(integrationstest.WithRemovedIntegrations())
	t.Cleanup(srv.Close)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	c, err := srv.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)
	ctx := context.Background()
	_, err = c.MattermostSlashCommands.Set(ctx, integrations.Project("acme/web"), &integrations.MattermostSlashCommandsOptions{Token: "mm-tok"})
	require.NoError(t, err)
	_, err = c.SlackSlashCommands.Set(ctx, integrations.Project("acme/web"), &integrations.SlackSlashCommandsOptions{Token: "slack-tok"}) //lint:ignore SA1019 the removed integration is what is tested
	require.NoError(t, err)

	got, err := c.TriggerMattermostSlashCommand(ctx, integrations.Project("acme/web"),
		&integrations.SlashCommand{Token: "mm-tok", Text: "issue show 1", TeamID: "T1", UserID: "U1", UserName: "alice"})
	require.NoError(t, err)
	assert.Equal(t, "ephemeral", got.ResponseType)
	assert.Equal(t, 200, got.Status)
	assert.True(t, strings.HasPrefix(got.Text, connectText), got.Text)
	assert.Contains(t, got.Text, srv.URL()+"/-/profile/chat_names/new?team_id=T1&user_id=U1&user_name=alice")

	for name, call := range map[string]func() error{
		"a wrong token": func() error {
			_, err := c.TriggerMattermostSlashCommand(ctx, integrations.Project("acme/web"), &integrations.SlashCommand{Token: "nope"})
			return err
		},
		"the Slack slash commands token": func() error {
			_, err := c.TriggerMattermostSlashCommand(ctx, integrations.Project("acme/web"), &integrations.SlashCommand{Token: "slack-tok"})
			return err
		},
		"a project without the integration": func() error {
			_, err := c.TriggerMattermostSlashCommand(ctx, integrations.Project("acme/api"), &integrations.SlashCommand{Token: "mm-tok"})
			return err
		},
		"a project that does not exist": func() error {
			_, err := c.TriggerMattermostSlashCommand(ctx, integrations.Project("acme/nope"), &integrations.SlashCommand{Token: "mm-tok"})
			return err
		},
	} {
		err := call()
		assert.ErrorIs(t, err, integrations.ErrIntegrationNotFound, name)
		assert.Equal(t, http.StatusNotFound, statusOf(err), name)
	}

	// The Slack slash commands token works on its own trigger.
	got, err = c.TriggerSlackSlashCommand(ctx, integrations.Project("acme/web"), &integrations.SlashCommand{Token: "slack-tok"}) //lint:ignore SA1019 the removed integration is what is tested
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(got.Text, connectText))

	// Disabled, the integration answers no command.
	require.NoError(t, c.MattermostSlashCommands.Delete(ctx, integrations.Project("acme/web")))
	_, err = c.TriggerMattermostSlashCommand(ctx, integrations.Project("acme/web"), &integrations.SlashCommand{Token: "mm-tok"})
	assert.ErrorIs(t, err, integrations.ErrIntegrationNotFound)
	_, err = c.MattermostSlashCommands.Set(ctx, integrations.Project("acme/web"), &integrations.MattermostSlashCommandsOptions{Token: "mm-tok"})
	require.NoError(t, err)

	// As Mattermost sends it: a form, no access token; by ID and below
	// the legacy /services alias too.
	id := srv.AddProject("acme/web")
	for _, path := range []string{
		"/api/v4/projects/acme%2Fweb/integrations/mattermost_slash_commands/trigger",
		"/api/v4/projects/" + strconv.FormatInt(id, 10) + "/services/mattermost_slash_commands/trigger",
	} {
		status, body := postRaw(t, srv, http.MethodPost, path, "application/x-www-form-urlencoded",
			url.Values{"token": {"mm-tok"}, "text": {"help"}}.Encode())
		assert.Equal(t, http.StatusOK, status, path)
		assert.Contains(t, body, `"response_type":"ephemeral"`, path)
	}
	status, body := postRaw(t, srv, http.MethodPost, "/api/v4/projects/acme%2Fweb/integrations/mattermost_slash_commands/trigger",
		"application/x-www-form-urlencoded", "text=help")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"error":"token is missing"}`, body)
	status, _ = postRaw(t, srv, http.MethodGet, "/api/v4/projects/acme%2Fweb/integrations/mattermost_slash_commands/trigger", "", "")
	assert.Equal(t, http.StatusMethodNotAllowed, status)
	// The hyphenated slug is no trigger route.
	status, body = postRaw(t, srv, http.MethodPost, "/api/v4/projects/acme%2Fweb/integrations/mattermost-slash-commands/trigger",
		"application/x-www-form-urlencoded", "token=mm-tok")
	assert.Equal(t, http.StatusNotFound, status)
	assert.JSONEq(t, `{"error":"404 Not Found"}`, body)
}

// TestSlackSlashCommandTriggerIsGoneByDefault: the in-memory GitLab plays
// a current GitLab unless WithRemovedIntegrations is given, and GitLab 19.0
// removed Slack slash commands: its trigger has no route, which the SDK
// reports as ErrIntegrationRemoved.
func TestSlackSlashCommandTriggerIsGoneByDefault(t *testing.T) {
	t.Parallel()
	srv := integrationstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddProject("acme/web")
	c, err := srv.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)
	_, err = c.TriggerSlackSlashCommand(context.Background(), integrations.Project("acme/web"), &integrations.SlashCommand{Token: "t"}) //lint:ignore SA1019 the removed integration is what is tested
	require.ErrorIs(t, err, integrations.ErrIntegrationRemoved)
	assert.Contains(t, err.Error(), "removed in GitLab 19.0")
}

// TestSlackAppTrigger: POST /slack/trigger answers 404 until the app's
// verification token is set and for a wrong one, 400 without text, and the
// connect-your-account message for a command that passes.
func TestSlackAppTrigger(t *testing.T) {
	t.Parallel()
	srv := integrationstest.NewServer()
	t.Cleanup(srv.Close)
	c, err := srv.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)
	ctx := context.Background()
	cmd := &integrations.SlashCommand{Token: "verify-tok", Text: "acme/web issue show 1"}

	_, err = c.TriggerSlackAppCommand(ctx, cmd)
	assert.ErrorIs(t, err, integrations.ErrNotFound, "the app is not set up")
	assert.Equal(t, http.StatusNotFound, statusOf(err))

	srv.SetSlackAppVerificationToken("verify-tok")
	got, err := c.TriggerSlackAppCommand(ctx, cmd)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(got.Text, connectText), got.Text)

	_, err = c.TriggerSlackAppCommand(ctx, &integrations.SlashCommand{Token: "wrong", Text: "acme/web help"})
	assert.ErrorIs(t, err, integrations.ErrNotFound)
	assert.NotErrorIs(t, err, integrations.ErrIntegrationNotFound)

	status, body := postRaw(t, srv, http.MethodPost, "/api/v4/slack/trigger", "application/x-www-form-urlencoded", "token=verify-tok")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"error":"text is missing"}`, body)
	status, _ = postRaw(t, srv, http.MethodPost, "/api/v4/slack/trigger", "application/x-www-form-urlencoded", "token=verify-tok&text=help")
	assert.Equal(t, http.StatusOK, status, "no access token needed")
}
