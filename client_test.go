package integrations

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewClientBaseURL checks the normalisation of the base URL and that
// requests really go there.
func TestNewClientBaseURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   []ClientOption
		want string
	}{
		{nil, "https://gitlab.com/api/v4"},
		{[]ClientOption{WithBaseURL("https://gitlab.example.com")}, "https://gitlab.example.com/api/v4"},
		{[]ClientOption{WithBaseURL("https://gitlab.example.com/")}, "https://gitlab.example.com/api/v4"},
		{[]ClientOption{WithBaseURL(" https://gitlab.example.com/api/v4 ")}, "https://gitlab.example.com/api/v4"},
		{[]ClientOption{WithBaseURL("https://gitlab.example.com/api/v4/")}, "https://gitlab.example.com/api/v4"},
		{[]ClientOption{WithBaseURL("https://gitlab.example.com:8443")}, "https://gitlab.example.com:8443/api/v4"},
		{[]ClientOption{WithBaseURL("https://example.com/gitlab")}, "https://example.com/gitlab/api/v4"},
		{[]ClientOption{WithBaseURL("https://example.com/gitlab/")}, "https://example.com/gitlab/api/v4"},
		{[]ClientOption{WithBaseURL("https://example.com/gitlab/api/v4")}, "https://example.com/gitlab/api/v4"},
		{[]ClientOption{WithBaseURL("http://localhost:3000")}, "http://localhost:3000/api/v4"},
		// A name below .localhost is resolved through DNS: plain http
		// to it needs the opt-in (TestPlainHTTPLoopbackIsByAddress).
		{[]ClientOption{WithBaseURL("http://gdk.localhost:3000"), WithInsecureHTTP()}, "http://gdk.localhost:3000/api/v4"},
		{[]ClientOption{WithBaseURL("http://127.0.0.1:8080/")}, "http://127.0.0.1:8080/api/v4"},
		{[]ClientOption{WithBaseURL("http://[::1]:8080")}, "http://[::1]:8080/api/v4"},
		{[]ClientOption{WithBaseURL("http://gitlab.internal"), WithInsecureHTTP()}, "http://gitlab.internal/api/v4"},
		{[]ClientOption{WithInsecureHTTP(), WithBaseURL("http://gitlab.internal")}, "http://gitlab.internal/api/v4"},
	}
	for _, tc := range cases {
		fake := newFakeGitLab(t)
		c, err := NewClient(fakeToken, append([]ClientOption{WithHTTPClient(&http.Client{Transport: fake.mt}), WithoutRetries()}, tc.in...)...)
		require.NoError(t, err, tc.want)
		assert.Equal(t, tc.want, c.BaseURL())

		fake.on(http.MethodGet, tc.want+"/projects/42/integrations", http.StatusOK, `[]`)
		_, err = c.List(context.Background(), ProjectID(42))
		require.NoError(t, err, tc.want)
		sent := fake.requests()
		require.Len(t, sent, 1)
		assert.Equal(t, tc.want+"/projects/42/integrations", sent[0].URL)
	}
}

// TestAuthenticationHeaders checks the header each kind of token goes in,
// and that no other token header is sent.
func TestAuthenticationHeaders(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   []ClientOption
		header string
		value  string
	}{
		{"default is a private token", nil, "PRIVATE-TOKEN", fakeToken},
		{"private token", []ClientOption{WithTokenType(PrivateToken)}, "PRIVATE-TOKEN", fakeToken},
		{"OAuth token", []ClientOption{WithTokenType(OAuthToken)}, "Authorization", "Bearer " + fakeToken},
		{"CI job token", []ClientOption{WithTokenType(JobToken)}, "JOB-TOKEN", fakeToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := newFakeGitLab(t)
			fake.on(http.MethodGet, fakeBaseURL+"/api/v4/groups/7/integrations/slack", http.StatusOK, string(fixtureBytes(t, "slack")))
			_, err := fake.client(tc.opts...).Slack.Get(context.Background(), GroupID(7))
			require.NoError(t, err)
			sent := fake.requests()
			require.Len(t, sent, 1)
			h := sent[0].Header
			for _, k := range []string{"PRIVATE-TOKEN", "Authorization", "JOB-TOKEN"} {
				if k == tc.header {
					assert.Equal(t, []string{tc.value}, h.Values(k), k)
				} else {
					assert.Empty(t, h.Values(k), "%s must not be sent", k)
				}
			}
			assert.Equal(t, "application/json", h.Get("Accept"))
			assert.Empty(t, h.Get("Sudo"))
		})
	}
}

// TestRequestHeaders checks the User-Agent and the per-call options: an
// extra header, Sudo, and the raw response.
func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	fake := newFakeGitLab(t)
	url := fakeBaseURL + "/api/v4/projects/acme%2Fweb/integrations/slack"
	fake.onFunc(http.MethodGet, url, func(*http.Request) (int, http.Header, string) {
		return http.StatusOK, http.Header{"X-Request-Id": {"01HXYZ"}, "Ratelimit-Remaining": {"599"}}, string(fixtureBytes(t, "slack"))
	})
	fake.on(http.MethodDelete, url, http.StatusNotFound, `{"message":"404 Integration Not Found"}`)
	ctx := context.Background()

	_, err := fake.client().Slack.Get(ctx, Project("acme/web"))
	require.NoError(t, err)
	sent := fake.requests()
	require.Len(t, sent, 1)
	assert.Equal(t, "gitlabkit-integrations/"+Version, sent[0].Header.Get("User-Agent"))

	c := fake.client(WithUserAgent("release-bot/2.1"))
	var resp *http.Response
	_, err = c.Slack.Get(ctx, Project("acme/web"),
		WithRequestHeader("X-Trace", "a"),
		WithRequestHeader("X-Trace", "b"),
		WithSudo("alice"),
		nil, // a nil option is ignored
		WithResponseInto(&resp),
	)
	require.NoError(t, err)
	sent = fake.requests()
	require.Len(t, sent, 1)
	h := sent[0].Header
	assert.Equal(t, "release-bot/2.1", h.Get("User-Agent"))
	assert.Equal(t, []string{"a", "b"}, h.Values("X-Trace"))
	assert.Equal(t, []string{"alice"}, h.Values("Sudo"))
	assert.Equal(t, fakeToken, h.Get("PRIVATE-TOKEN"))
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "01HXYZ", resp.Header.Get("X-Request-Id"))
	assert.Equal(t, "599", resp.Header.Get("RateLimit-Remaining"))

	// Options belong to one call: the next one sends none of them.
	_, err = c.Slack.Get(ctx, Project("acme/web"))
	require.NoError(t, err)
	sent = fake.requests()
	require.Len(t, sent, 1)
	assert.Empty(t, sent[0].Header.Values("X-Trace"))
	assert.Empty(t, sent[0].Header.Values("Sudo"))

	// The raw response is stored for an error answer too.
	resp = nil
	err = c.Slack.Delete(ctx, Project("acme/web"), WithResponseInto(&resp))
	require.ErrorIs(t, err, ErrIntegrationNotFound)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// An extra header cannot replace the token.
	_, err = c.Slack.Get(ctx, Project("acme/web"), WithRequestHeader("PRIVATE-TOKEN", "other"))
	require.NoError(t, err)
	sent = fake.requests()
	require.Len(t, sent, 2)
	assert.Equal(t, []string{fakeToken}, sent[1].Header.Values("PRIVATE-TOKEN"))
}

// TestSetGetDeleteRoundTrip checks the typed results of the three calls on
// one integration: what Set returns, what Get returns, and Delete's 204.
func TestSetGetDeleteRoundTrip(t *testing.T) {
	t.Parallel()
	fake := newFakeGitLab(t)
	url := fakeBaseURL + "/api/v4/projects/acme%2Fweb/integrations/emails-on-push"
	answer := `{"id":9,"slug":"emails-on-push","title":"Emails on push","active":true,"push_events":true,"tag_push_events":false,
		"properties":{"recipients":"dev@example.com ops@example.com","disable_diffs":false,"send_from_committer_email":true,"branches_to_be_notified":"all"}}`
	fake.on(http.MethodPut, url, http.StatusOK, answer)
	fake.on(http.MethodGet, url, http.StatusOK, answer)
	fake.on(http.MethodDelete, url, http.StatusNoContent, "")
	c := fake.client()
	ctx := context.Background()

	s, err := c.EmailsOnPush.Set(ctx, Project("acme/web"), &EmailsOnPushOptions{
		Recipients:             "dev@example.com ops@example.com",
		DisableDiffs:           Ptr(false),
		SendFromCommitterEmail: Ptr(true),
		BranchesToBeNotified:   Ptr(BranchesAll),
		TagPushEvents:          Ptr(false),
	})
	require.NoError(t, err)
	assert.Equal(t, int64(9), s.ID)
	assert.True(t, s.Active)
	assert.False(t, s.TagPushEvents)
	assert.Equal(t, EmailsOnPushProperties{
		Recipients: "dev@example.com ops@example.com", SendFromCommitterEmail: true, BranchesToBeNotified: BranchesAll,
	}, s.Properties)

	sent := fake.requests()
	require.Len(t, sent, 1)
	assert.JSONEq(t, `{"recipients":"dev@example.com ops@example.com","disable_diffs":false,"send_from_committer_email":true,
		"branches_to_be_notified":"all","tag_push_events":false}`, string(sent[0].Body))

	g, err := c.EmailsOnPush.Get(ctx, Project("acme/web"))
	require.NoError(t, err)
	assert.Equal(t, s, g)

	require.NoError(t, c.EmailsOnPush.Delete(ctx, Project("acme/web")))
	sent = fake.requests()
	require.Len(t, sent, 2)
	assert.Equal(t, http.MethodDelete, sent[1].Method)
	assert.Empty(t, sent[1].Body)
	assert.Empty(t, sent[1].Header.Get("Content-Type"), "no body, so no Content-Type")

	info := c.EmailsOnPush.Info()
	assert.Equal(t, "emails-on-push", info.Slug)
	assert.True(t, info.Group)
}

// TestListBothLevels checks List on a project and on a group: the path, and
// the common fields of each entry.
func TestListBothLevels(t *testing.T) {
	t.Parallel()
	body := `[
	  {"id":75,"title":"Jenkins","slug":"jenkins","created_at":"2026-11-02T10:15:30.000Z","updated_at":"2026-11-03T10:15:30.000Z",
	   "active":true,"commit_events":true,"push_events":true,"merge_requests_events":true,"tag_push_events":false,"inherited":false},
	  {"id":76,"title":"Slack notifications","slug":"slack","active":true,"note_events":true,"inherited":true,"vulnerability_events":true}
	]`
	for _, level := range append(append([]scopeCase(nil), projectScopes...), groupScopes...) {
		fake := newFakeGitLab(t)
		url := fakeBaseURL + "/api/v4" + level.path + "/integrations"
		fake.on(http.MethodGet, url, http.StatusOK, body)
		list, err := fake.client().List(context.Background(), level.scope)
		require.NoError(t, err, level.name)
		require.Len(t, list, 2)
		assert.Equal(t, int64(75), list[0].ID)
		assert.Equal(t, "jenkins", list[0].Slug)
		assert.Equal(t, "Jenkins", list[0].Title)
		assert.True(t, list[0].MergeRequestsEvents)
		assert.False(t, list[0].TagPushEvents)
		assert.Equal(t, 3, list[0].UpdatedAt.Day())
		assert.Equal(t, "slack", list[1].Slug)
		assert.True(t, list[1].Inherited)
		assert.True(t, list[1].VulnerabilityEvents)
		assert.True(t, list[1].NoteEvents)
		sent := fake.requests()
		require.Len(t, sent, 1)
		assert.Equal(t, http.MethodGet, sent[0].Method)
		assert.Equal(t, url, sent[0].URL)
	}

	for _, bad := range []string{`[{"slug":"jira"},null]`, `{"slug":"jira"}`, `"x"`} {
		fake := newFakeGitLab(t)
		fake.on(http.MethodGet, fakeBaseURL+"/api/v4/groups/7/integrations", http.StatusOK, bad)
		_, err := fake.client().List(context.Background(), GroupID(7))
		require.ErrorIs(t, err, ErrInvalidResponse, bad)
	}

	fake := newFakeGitLab(t)
	fake.on(http.MethodGet, fakeBaseURL+"/api/v4/groups/7/integrations", http.StatusNotFound, `{"message":"404 Group Not Found"}`)
	_, err := fake.client().List(context.Background(), GroupID(7))
	require.ErrorIs(t, err, ErrGroupNotFound)
}

// TestWithLoggerRecordsRequests checks that WithLogger gets a debug record
// for a request, and that the record does not hold the token.
func TestWithLoggerRecordsRequests(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fake := newFakeGitLab(t)
	fake.on(http.MethodGet, fakeBaseURL+"/api/v4/projects/42/integrations", http.StatusOK, `[]`)
	_, err := fake.client(WithLogger(logger)).List(context.Background(), ProjectID(42))
	require.NoError(t, err)
	out := buf.String()
	assert.Contains(t, out, "gitlab request")
	assert.Contains(t, out, "status=200")
	assert.Contains(t, out, "/api/v4/projects/42/integrations")
	assert.NotContains(t, out, fakeToken)
}

// TestWithHTTPClientIsNotModified checks that the caller's *http.Client is
// used (its transport sees the request) but not changed.
func TestWithHTTPClientIsNotModified(t *testing.T) {
	t.Parallel()
	fake := newFakeGitLab(t)
	hc := &http.Client{Transport: fake.mt}
	fake.on(http.MethodGet, fakeBaseURL+"/api/v4/projects/42/integrations", http.StatusOK, `[]`)
	c, err := NewClient(fakeToken, WithBaseURL(fakeBaseURL), WithHTTPClient(hc), WithoutRetries())
	require.NoError(t, err)
	_, err = c.List(context.Background(), ProjectID(42))
	require.NoError(t, err)
	assert.Len(t, fake.requests(), 1)
	assert.Nil(t, hc.CheckRedirect, "the caller's client keeps its own redirect policy")
}
