package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// triggerServer answers every request with status and body, and records
// the requests' method, escaped path, content type and body.
type triggerServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
	bodies   []string
}

func newTriggerServer(t *testing.T, answer func(n int) (int, string)) *triggerServer {
	t.Helper()
	s := &triggerServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.EscapedPath()+" "+r.Header.Get("Content-Type"))
		s.bodies = append(s.bodies, string(body))
		n := len(s.requests)
		s.mu.Unlock()
		status, text := answer(n)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *triggerServer) sent() ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...), append([]string(nil), s.bodies...)
}

// triggerAnswer is GitLab's answer to a slash command it ran: its
// presenters' hash, status included.
const triggerAnswer = `{"response_type":"ephemeral","status":200,"text":"Issue #42 Fix the build",` +
	`"attachments":[{"title":"Fix the build","title_link":"https://gitlab.example.com/acme/web/-/issues/42","color":"#C95823"}]}`

// triggers are the three calls, each with the path it posts to.
var triggers = []struct {
	name string
	path string
	call func(c *Client, ctx context.Context, cmd *SlashCommand) (*SlashCommandResponse, error)
}{
	{"Mattermost", "/api/v4/projects/acme%2Fweb/integrations/mattermost_slash_commands/trigger",
		func(c *Client, ctx context.Context, cmd *SlashCommand) (*SlashCommandResponse, error) {
			return c.TriggerMattermostSlashCommand(ctx, Project("acme/web"), cmd)
		}},
	{"Slack slash commands", "/api/v4/projects/acme%2Fweb/integrations/slack_slash_commands/trigger",
		func(c *Client, ctx context.Context, cmd *SlashCommand) (*SlashCommandResponse, error) {
			return c.TriggerSlackSlashCommand(ctx, Project("acme/web"), cmd)
		}},
	{"GitLab for Slack app", "/api/v4/slack/trigger",
		func(c *Client, ctx context.Context, cmd *SlashCommand) (*SlashCommandResponse, error) {
			return c.TriggerSlackAppCommand(ctx, cmd)
		}},
}

// TestTriggerSendsTheCommandAndDecodesTheAnswer: each trigger posts the
// command as JSON to its path (the project triggers with the underscore
// slug) and decodes GitLab's 200 answer.
func TestTriggerSendsTheCommandAndDecodesTheAnswer(t *testing.T) {
	t.Parallel()
	cmd := &SlashCommand{Token: "slash-tok", Text: "issue show 42", Command: "/gitlab", TeamID: "T1", TeamDomain: "acme",
		ChannelID: "C1", ChannelName: "dev", UserID: "U1", UserName: "alice", ResponseURL: "https://hooks.example.com/r", TriggerID: "X1"}
	for _, tr := range triggers {
		srv := newTriggerServer(t, func(int) (int, string) { return http.StatusOK, triggerAnswer })
		c, err := NewClient(relToken, WithBaseURL(srv.URL))
		require.NoError(t, err)
		got, err := tr.call(c, context.Background(), cmd)
		require.NoError(t, err, tr.name)
		assert.Equal(t, &SlashCommandResponse{ResponseType: "ephemeral", Text: "Issue #42 Fix the build", Status: 200,
			Attachments: []json.RawMessage{json.RawMessage(`{"title":"Fix the build","title_link":"https://gitlab.example.com/acme/web/-/issues/42","color":"#C95823"}`)}}, got, tr.name)
		reqs, bodies := srv.sent()
		require.Equal(t, []string{"POST " + tr.path + " application/json"}, reqs, tr.name)
		assert.JSONEq(t, `{"token":"slash-tok","text":"issue show 42","command":"/gitlab","team_id":"T1","team_domain":"acme",`+
			`"channel_id":"C1","channel_name":"dev","user_id":"U1","user_name":"alice","response_url":"https://hooks.example.com/r","trigger_id":"X1"}`,
			bodies[0], tr.name)
	}
	// Only the fields set are sent.
	srv := newTriggerServer(t, func(int) (int, string) {
		return http.StatusOK, `{"response_type":"in_channel","status":200,"text":"ok"}`
	})
	c, err := NewClient(relToken, WithBaseURL(srv.URL))
	require.NoError(t, err)
	got, err := c.TriggerMattermostSlashCommand(context.Background(), ProjectID(7), &SlashCommand{Token: "t", Text: "help"})
	require.NoError(t, err)
	assert.Equal(t, "in_channel", got.ResponseType)
	assert.Nil(t, got.Attachments)
	reqs, bodies := srv.sent()
	assert.Equal(t, []string{"POST /api/v4/projects/7/integrations/mattermost_slash_commands/trigger application/json"}, reqs)
	assert.JSONEq(t, `{"token":"t","text":"help"}`, bodies[0])
}

// TestTriggerErrors: each documented status of the triggers is an *Error
// with its sentinel, from one request: 404 when no active integration of
// the project has the token, or its slug does not match, or the project
// does not exist (all "404 Integration Not Found"); 404 "Not Found" from
// the Slack app's trigger when its verification token does not match; 400
// for a missing parameter; 401.
func TestTriggerErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		body   string
		is     []error
	}{
		{"token or slug does not match", 404, `{"message":"404 Integration Not Found"}`, []error{ErrNotFound, ErrIntegrationNotFound}},
		{"Slack app token does not match", 404, `{"message":"404 Not Found"}`, []error{ErrNotFound}},
		{"parameter missing", 400, `{"error":"token is missing"}`, nil},
		{"unauthorized", 401, `{"message":"401 Unauthorized"}`, []error{ErrUnauthorized}},
	} {
		for _, tr := range triggers {
			srv := newTriggerServer(t, func(int) (int, string) { return tc.status, tc.body })
			c, err := NewClient(relToken, WithBaseURL(srv.URL), WithRetries(3, 0, 0))
			require.NoError(t, err)
			got, err := tr.call(c, context.Background(), &SlashCommand{Token: "wrong", Text: "help"})
			assert.Nil(t, got)
			var e *Error
			require.True(t, errors.As(err, &e), "%s, %s: %v", tc.name, tr.name, err)
			assert.Equal(t, tc.status, e.StatusCode, "%s, %s", tc.name, tr.name)
			assert.Equal(t, http.MethodPost, e.Method)
			for _, want := range tc.is {
				assert.ErrorIs(t, err, want, "%s, %s", tc.name, tr.name)
			}
			assert.NotErrorIs(t, err, ErrIntegrationRemoved, "%s, %s", tc.name, tr.name)
			reqs, _ := srv.sent()
			assert.Len(t, reqs, 1, "%s, %s: one request", tc.name, tr.name)
		}
	}
}

// TestSlackSlashCommandTriggerRemoved: GitLab 19.0 removed Slack slash
// commands, and a newer server has no route for the trigger (404
// {"error":"404 Not Found"}): the error matches ErrIntegrationRemoved and
// ErrUnknownIntegration and says so. The Mattermost trigger on a server
// without it is only "not found", with a hint.
func TestSlackSlashCommandTriggerRemoved(t *testing.T) {
	t.Parallel()
	srv := newTriggerServer(t, func(int) (int, string) { return http.StatusNotFound, `{"error":"404 Not Found"}` })
	c, err := NewClient(relToken, WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = c.TriggerSlackSlashCommand(context.Background(), Project("acme/web"), &SlashCommand{Token: "t"})
	require.ErrorIs(t, err, ErrIntegrationRemoved)
	assert.ErrorIs(t, err, ErrUnknownIntegration)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "removed in GitLab 19.0")
	assert.Contains(t, err.Error(), "TriggerSlackAppCommand")

	_, err = c.TriggerMattermostSlashCommand(context.Background(), Project("acme/web"), &SlashCommand{Token: "t"})
	require.ErrorIs(t, err, ErrNotFound)
	assert.NotErrorIs(t, err, ErrIntegrationRemoved)
	assert.Contains(t, err.Error(), "older than the integration")
}

// TestTriggerRefusesBadInputBeforeSending: no token, no text for the Slack
// app, a group, an empty or malformed project, a nil command or context.
func TestTriggerRefusesBadInputBeforeSending(t *testing.T) {
	t.Parallel()
	srv := newTriggerServer(t, func(int) (int, string) { return http.StatusOK, triggerAnswer })
	c, err := NewClient(relToken, WithBaseURL(srv.URL))
	require.NoError(t, err)
	ctx := context.Background()
	var nilCtx context.Context
	for name, call := range map[string]func() (*SlashCommandResponse, error){
		"no token": func() (*SlashCommandResponse, error) {
			return c.TriggerMattermostSlashCommand(ctx, ProjectID(1), &SlashCommand{Text: "help"})
		},
		"nil command": func() (*SlashCommandResponse, error) { return c.TriggerMattermostSlashCommand(ctx, ProjectID(1), nil) },
		"nil context": func() (*SlashCommandResponse, error) {
			return c.TriggerMattermostSlashCommand(nilCtx, ProjectID(1), &SlashCommand{Token: "t"})
		},
		"a group": func() (*SlashCommandResponse, error) {
			return c.TriggerMattermostSlashCommand(ctx, Group("acme"), &SlashCommand{Token: "t"})
		},
		"empty project": func() (*SlashCommandResponse, error) {
			return c.TriggerMattermostSlashCommand(ctx, Scope{}, &SlashCommand{Token: "t"})
		},
		"bad project": func() (*SlashCommandResponse, error) {
			return c.TriggerMattermostSlashCommand(ctx, Project("a/../b"), &SlashCommand{Token: "t"})
		},
		"Slack no token": func() (*SlashCommandResponse, error) {
			return c.TriggerSlackAppCommand(ctx, &SlashCommand{Text: "acme/web help"})
		},
		"Slack no text": func() (*SlashCommandResponse, error) { return c.TriggerSlackAppCommand(ctx, &SlashCommand{Token: "t"}) },
		"Slack nil":     func() (*SlashCommandResponse, error) { return c.TriggerSlackAppCommand(ctx, nil) },
		"a nil Client": func() (*SlashCommandResponse, error) {
			return (*Client)(nil).TriggerMattermostSlashCommand(ctx, ProjectID(1), &SlashCommand{Token: "t"})
		},
	} {
		got, err := call()
		assert.Nil(t, got, name)
		assert.ErrorIs(t, err, ErrValidation, name)
	}
	reqs, _ := srv.sent()
	assert.Empty(t, reqs, "nothing is sent for bad input")
}

// TestTriggerIsNeverSentTwice: a slash command may act (create an issue)
// before its answer fails, so a 502, 503 or 504 is not retried; a 429,
// which GitLab answers before acting, is.
func TestTriggerIsNeverSentTwice(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		srv := newTriggerServer(t, func(int) (int, string) { return status, `{"message":"busy"}` })
		c, err := NewClient(relToken, WithBaseURL(srv.URL), WithRetries(3, time.Millisecond, time.Millisecond))
		require.NoError(t, err)
		_, err = c.TriggerMattermostSlashCommand(context.Background(), ProjectID(1), &SlashCommand{Token: "t"})
		require.Error(t, err)
		reqs, _ := srv.sent()
		assert.Len(t, reqs, 1, "%d: the trigger was sent again", status)
	}
	srv := newTriggerServer(t, func(n int) (int, string) {
		if n == 1 {
			return http.StatusTooManyRequests, `{"message":"Retry later"}`
		}
		return http.StatusOK, triggerAnswer
	})
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithRetries(3, time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	_, err = c.TriggerSlackAppCommand(context.Background(), &SlashCommand{Token: "t", Text: "acme/web help"})
	require.NoError(t, err)
	reqs, _ := srv.sent()
	assert.Len(t, reqs, 2, "a 429 is retried")
}

// TestSlashCommandRedactsItsToken: printing or logging a command never
// shows its token.
func TestSlashCommandRedactsItsToken(t *testing.T) {
	t.Parallel()
	cmd := SlashCommand{Token: "slash-SECRET", Text: "help"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, cmd), "slash-SECRET", verb)
		assert.NotContains(t, fmt.Sprintf(verb, &cmd), "slash-SECRET", verb)
	}
	assert.NotContains(t, cmd.String(), "slash-SECRET")
	assert.NotContains(t, cmd.LogValue().String(), "slash-SECRET")
	assert.Contains(t, cmd.String(), "help")
}
