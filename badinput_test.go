package integrations

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingGitLab counts the requests that reach it; bad input must leave
// the count at zero.
func countingGitLab(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(relSlackAnswer))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// badCall is one call with bad input: it must fail, say why (want is a
// piece of the message), and send nothing.
type badCall struct {
	name string
	call func(c *Client) error
	want string
}

func okSlack() *SlackOptions { return &SlackOptions{Webhook: "https://hooks.slack.com/services/T/B/X"} }

// badCalls is every kind of bad input a call can get.
var badCalls = []badCall{
	// No context.
	{"nil ctx Get", func(c *Client) error { _, err := c.Slack.Get(nilContext(), ProjectID(1)); return err }, "nil context"},
	{"nil ctx Set", func(c *Client) error { _, err := c.Slack.Set(nilContext(), ProjectID(1), okSlack()); return err }, "nil context"},
	{"nil ctx Delete", func(c *Client) error { return c.Slack.Delete(nilContext(), ProjectID(1)) }, "nil context"},
	{"nil ctx List", func(c *Client) error { _, err := c.List(nilContext(), ProjectID(1)); return err }, "nil context"},
	// No options.
	{"nil options", func(c *Client) error { _, err := c.Slack.Set(context.Background(), ProjectID(1), nil); return err }, "nil SlackOptions"},
	// Empty references.
	{"zero Scope", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Scope{}); return err }, "empty project reference"},
	{"empty project path", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Project("")); return err }, "empty project reference"},
	{"empty group path", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Group("")); return err }, "empty group reference"},
	{"project ID 0", func(c *Client) error { return c.Slack.Delete(context.Background(), ProjectID(0)) }, "empty project reference"},
	{"group ID 0", func(c *Client) error { _, err := c.List(context.Background(), GroupID(0)); return err }, "empty group reference"},
	{"empty reference on Set", func(c *Client) error { _, err := c.Slack.Set(context.Background(), Project(""), okSlack()); return err }, "empty project reference"},
	// Negative IDs.
	{"negative project ID", func(c *Client) error { _, err := c.Slack.Get(context.Background(), ProjectID(-1)); return err }, "not positive"},
	{"negative group ID", func(c *Client) error {
		_, err := c.Slack.Set(context.Background(), GroupID(-42), okSlack())
		return err
	}, "not positive"},
	{"minimum int64 ID", func(c *Client) error { _, err := c.List(context.Background(), ProjectID(-1<<63)); return err }, "not positive"},
	// Malformed paths.
	{"leading slash", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Project("/acme/web")); return err }, "empty segment"},
	{"trailing slash", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Project("acme/web/")); return err }, "empty segment"},
	{"double slash", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Group("acme//web")); return err }, "empty segment"},
	{"dot-dot segment", func(c *Client) error {
		_, err := c.Slack.Get(context.Background(), Project("acme/../admin"))
		return err
	}, `".." segment`},
	{"dot segment", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Project("./web")); return err }, `"." segment`},
	{"question mark", func(c *Client) error {
		_, err := c.Slack.Get(context.Background(), Project("acme/web?x=1"))
		return err
	}, "character GitLab paths never have"},
	{"hash", func(c *Client) error {
		_, err := c.Slack.Get(context.Background(), Project("acme/web#top"))
		return err
	}, "character GitLab paths never have"},
	{"percent (already escaped)", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Project("acme%2Fweb")); return err }, "character GitLab paths never have"},
	{"backslash", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Project(`acme\web`)); return err }, "character GitLab paths never have"},
	{"space", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Project("acme/my web")); return err }, "space or control character"},
	// Control characters.
	{"NUL in path", func(c *Client) error {
		_, err := c.Slack.Get(context.Background(), Project("acme/\x00web"))
		return err
	}, "control character"},
	{"newline in path", func(c *Client) error { _, err := c.Slack.Get(context.Background(), Project("acme/web\n")); return err }, "control character"},
	{"CRLF header injection", func(c *Client) error {
		_, err := c.Slack.Get(context.Background(), Project("acme/web\r\nX-Evil: 1"))
		return err
	}, "control character"},
	{"tab in group path", func(c *Client) error { _, err := c.List(context.Background(), Group("acme\tteam")); return err }, "control character"},
	{"DEL in path", func(c *Client) error { return c.Slack.Delete(context.Background(), Group("acme\x7f")) }, "control character"},
	{"C1 control in path", func(c *Client) error {
		_, err := c.Slack.Get(context.Background(), Project("acme/\u0085web"))
		return err
	}, "control character"},
	// Unknown enum values and missing required parameters.
	{"unknown branch filter", func(c *Client) error {
		o := okSlack()
		o.BranchesToBeNotified = Ptr(BranchFilter("everything"))
		_, err := c.Slack.Set(context.Background(), ProjectID(1), o)
		return err
	}, `branches_to_be_notified: "everything" is not one of`},
	{"unknown labels behaviour", func(c *Client) error {
		o := okSlack()
		o.LabelsToBeNotifiedBehavior = Ptr(LabelsBehavior("sometimes"))
		_, err := c.Slack.Set(context.Background(), ProjectID(1), o)
		return err
	}, `labels_to_be_notified_behavior: "sometimes" is not one of`},
	{"unknown Jira auth type", func(c *Client) error {
		_, err := c.Jira.Set(context.Background(), ProjectID(1), &JiraOptions{URL: "https://jira.example.com", Password: "p", JiraAuthType: Ptr(JiraAuthType(7))})
		return err
	}, `jira_auth_type: "7" is not one of`},
	{"unknown Pushover priority", func(c *Client) error {
		_, err := c.Pushover.Set(context.Background(), ProjectID(1), &PushoverOptions{APIKey: "k", UserKey: "u", Priority: PushoverPriority("3")})
		return err
	}, `priority: "3" is not one of`},
	{"unknown Pushover sound", func(c *Client) error {
		_, err := c.Pushover.Set(context.Background(), ProjectID(1), &PushoverOptions{APIKey: "k", UserKey: "u", Priority: "0", Sound: Ptr(PushoverSound("kazoo"))})
		return err
	}, `sound: "kazoo" is not one of`},
	{"unknown environment in a comma list", func(c *Client) error {
		_, err := c.JiraCloudApp.Set(context.Background(), ProjectID(1), &JiraCloudAppOptions{JiraCloudAppDeploymentGatingEnvironments: Ptr("production,moon")})
		return err
	}, `"moon" is not one of`},
	{"missing required parameter", func(c *Client) error {
		_, err := c.Slack.Set(context.Background(), ProjectID(1), &SlackOptions{Channel: Ptr("#x")})
		return err
	}, "webhook: is required"},
	{"every problem at once", func(c *Client) error {
		_, err := c.Pushover.Set(context.Background(), GroupID(1), &PushoverOptions{Priority: "9"})
		return err
	}, "api_key: is required"},
	// A group for an integration that exists for projects only.
	{"project-only on a group: Set", func(c *Client) error {
		_, err := c.Jenkins.Set(context.Background(), Group("acme"), &JenkinsOptions{JenkinsURL: "https://ci.example.com", ProjectName: "web"})
		return err
	}, "available for projects only"},
	{"project-only on a group: Get", func(c *Client) error { _, err := c.GitHub.Get(context.Background(), GroupID(3)); return err }, "available for projects only"},
	{"project-only on a group: Delete", func(c *Client) error { return c.AppleAppStore.Delete(context.Background(), Group("acme")) }, "available for projects only"},
	// A service that does not come from a Client.
	{"zero service", func(*Client) error {
		var s SlackService
		_, err := s.Get(context.Background(), ProjectID(1))
		return err
	}, "service not initialised"},
}

// nilContext hides a nil context from vet's and staticcheck's checks: the
// point is to pass one.
func nilContext() context.Context { return nil }

// TestBadInputNeverReachesGitLab runs every bad call against a GitLab that
// counts requests: each fails with a clear error, and none is sent.
func TestBadInputNeverReachesGitLab(t *testing.T) {
	t.Parallel()
	srv, sent := countingGitLab(t)
	c, err := NewClient(relToken, WithBaseURL(srv.URL))
	require.NoError(t, err)
	for _, bc := range badCalls {
		err := bc.call(c)
		require.Error(t, err, bc.name)
		assert.Contains(t, err.Error(), bc.want, bc.name)
		if bc.name != "zero service" {
			assert.ErrorIs(t, err, ErrValidation, bc.name)
		}
		requireNoToken(t, err.Error(), bc.name)
	}
	// A valid call reaches the server, so the count can move.
	assert.Zero(t, sent.Load(), "bad input reached GitLab")
	_, err = c.Slack.Get(context.Background(), ProjectID(1))
	require.NoError(t, err)
	assert.EqualValues(t, 1, sent.Load())
	t.Logf("%d bad calls refused", len(badCalls))
}

// TestNilOptionsRefusedForEveryIntegration: Set with nil options fails for
// every integration, at both levels, and sends nothing.
func TestNilOptionsRefusedForEveryIntegration(t *testing.T) {
	t.Parallel()
	srv, sent := countingGitLab(t)
	c, err := NewClient(relToken, WithBaseURL(srv.URL))
	require.NoError(t, err)
	for _, sc := range generatedServices {
		// A typed nil: the generated set converts it to *XOptions.
		nilOpts := typedNil(sc.newOptions())
		_, err := sc.set(context.Background(), c, ProjectID(1), nilOpts)
		require.ErrorIs(t, err, ErrValidation, sc.slug)
		assert.Contains(t, err.Error(), "Options: Set needs the settings to send", sc.slug)
	}
	assert.Zero(t, sent.Load())
}

// typedNil returns a nil pointer of o's type.
func typedNil(o any) any {
	return reflect.Zero(reflect.TypeOf(o)).Interface()
}

// badClientConfigs are client configurations NewClient refuses: no client,
// so nothing can be sent.
var badClientConfigs = []struct {
	name  string
	token string
	opts  []ClientOption
	want  string
}{
	{"empty token", "", nil, "empty token"},
	{"blank token", "  \t", nil, "empty token"},
	{"token with a line break", "glpat-abc\r\nX-Evil: 1", nil, "line break"},
	{"base URL with a query", relToken, []ClientOption{WithBaseURL("https://gitlab.example.com/?private_token=x")}, "must not have a query"},
	{"base URL with an empty query", relToken, []ClientOption{WithBaseURL("https://gitlab.example.com/?")}, "must not have a query"},
	{"base URL with a fragment", relToken, []ClientOption{WithBaseURL("https://gitlab.example.com/#api")}, "must not have a fragment"},
	{"base URL with an empty fragment", relToken, []ClientOption{WithBaseURL("https://gitlab.example.com/#")}, "must not have a fragment"},
	{"base URL with credentials", relToken, []ClientOption{WithBaseURL("https://root:pw@gitlab.example.com")}, "must not hold credentials"},
	{"base URL without a scheme", relToken, []ClientOption{WithBaseURL("gitlab.example.com")}, "scheme must be https or http"},
	{"base URL with another scheme", relToken, []ClientOption{WithBaseURL("ftp://gitlab.example.com")}, "scheme must be https or http"},
	{"base URL without a host", relToken, []ClientOption{WithBaseURL("https:///api/v4")}, "has no host"},
	{"empty base URL", relToken, []ClientOption{WithBaseURL("  ")}, "empty base URL"},
	{"malformed base URL", relToken, []ClientOption{WithBaseURL("https://gitlab.example.com:port/")}, "malformed base URL"},
	{"control character in base URL", relToken, []ClientOption{WithBaseURL("https://gitlab.example.com/\x00")}, "malformed base URL"},
	{"plain http off loopback", relToken, []ClientOption{WithBaseURL("http://gitlab.example.com")}, "WithInsecureHTTP"},
	{"DEL character in base URL", relToken, []ClientOption{WithBaseURL("https://gitlab.example.com/\x7f")}, "malformed base URL"},
	{"nil HTTP client", relToken, []ClientOption{WithHTTPClient(nil)}, "nil *http.Client"},
	{"nil logger", relToken, []ClientOption{WithLogger(nil)}, "nil *slog.Logger"},
	{"unknown token type", relToken, []ClientOption{WithTokenType(TokenType(9))}, "unknown token type"},
}

func TestBadClientConfigurationsAreRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range badClientConfigs {
		c, err := NewClient(tc.token, tc.opts...)
		require.Error(t, err, tc.name)
		assert.Nil(t, c, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		assert.Contains(t, err.Error(), "integrations: ", tc.name)
		assert.NotContains(t, err.Error(), ":pw@", "%s: credentials of the base URL echoed", tc.name)
		requireNoToken(t, err.Error(), tc.name)
	}
	t.Logf("%d bad client configurations refused", len(badClientConfigs))
}
