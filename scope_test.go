package integrations

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScopeEscapedPaths checks the one place paths are escaped, through the
// URL a real request is sent to: "/" and "." are encoded (GitLab would take
// "web.site" as a format suffix), unreserved characters are not.
func TestScopeEscapedPaths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		scope Scope
		path  string
		str   string
		group bool
	}{
		{Project("acme/web"), "/projects/acme%2Fweb", "project acme/web", false},
		{Project("acme/web.site"), "/projects/acme%2Fweb%2Esite", "project acme/web.site", false},
		{Project("acme/platform/api-v2_x~y"), "/projects/acme%2Fplatform%2Fapi-v2_x~y", "project acme/platform/api-v2_x~y", false},
		{Project("acme/c++"), "/projects/acme%2Fc%2B%2B", "project acme/c++", false},
		{Project("acme/@ops:web"), "/projects/acme%2F%40ops%3Aweb", "project acme/@ops:web", false},
		{Project("équipe/café"), "/projects/%C3%A9quipe%2Fcaf%C3%A9", "project équipe/café", false},
		{Project("123"), "/projects/123", "project 123", false},
		{ProjectID(42), "/projects/42", "project 42", false},
		{ProjectID(9007199254740993), "/projects/9007199254740993", "project 9007199254740993", false},
		{Group("acme"), "/groups/acme", "group acme", true},
		{Group("acme/platform.team"), "/groups/acme%2Fplatform%2Eteam", "group acme/platform.team", true},
		{Group("..acme"), "/groups/%2E%2Eacme", "group ..acme", true},
		{GroupID(7), "/groups/7", "group 7", true},
	}
	fake := newFakeGitLab(t)
	c := fake.client()
	for _, tc := range cases {
		assert.Equal(t, tc.str, tc.scope.String())
		assert.Equal(t, tc.group, tc.scope.IsGroup(), tc.str)

		url := fakeBaseURL + "/api/v4" + tc.path + "/integrations/slack"
		fake.on(http.MethodGet, url, http.StatusOK, string(fixtureBytes(t, "slack")))
		_, err := c.Slack.Get(context.Background(), tc.scope)
		require.NoError(t, err, tc.str)
		sent := fake.requests()
		require.Len(t, sent, 1)
		assert.Equal(t, url, sent[0].URL, tc.str)

		// List uses the same escaping.
		listURL := fakeBaseURL + "/api/v4" + tc.path + "/integrations"
		fake.on(http.MethodGet, listURL, http.StatusOK, `[]`)
		list, err := c.List(context.Background(), tc.scope)
		require.NoError(t, err, tc.str)
		assert.Empty(t, list)
		sent = fake.requests()
		require.Len(t, sent, 1)
		assert.Equal(t, listURL, sent[0].URL, tc.str)
	}
}

// TestScopeEscapingBelowSubpath checks the escaping when GitLab lives under
// a path of its own, such as https://example.com/gitlab.
func TestScopeEscapingBelowSubpath(t *testing.T) {
	t.Parallel()
	fake := newFakeGitLab(t)
	c := fake.client(WithBaseURL("https://example.com/gitlab"))
	url := "https://example.com/gitlab/api/v4/projects/acme%2Fweb%2Esite/integrations/emails-on-push"
	fake.on(http.MethodDelete, url, http.StatusNoContent, "")
	require.NoError(t, c.EmailsOnPush.Delete(context.Background(), Project("acme/web.site")))
	sent := fake.requests()
	require.Len(t, sent, 1)
	assert.Equal(t, url, sent[0].URL)
}
