package integrations

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// headerRecorder is a loopback server that records the headers it got and
// answers every request with the Slack integration.
type headerRecorder struct {
	*httptest.Server
	mu   sync.Mutex
	got  []http.Header
	body []string
}

func newHeaderRecorder(t *testing.T) *headerRecorder {
	r := &headerRecorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b := new(bytes.Buffer)
		_, _ = b.ReadFrom(req.Body)
		r.mu.Lock()
		r.got = append(r.got, req.Header.Clone())
		r.body = append(r.body, b.String())
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(relSlackAnswer))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *headerRecorder) headers() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.got...)
}

// redirector is the configured GitLab: it records headers and redirects
// every request to target (plus the request's path).
func redirector(t *testing.T, status int, target func() string) *headerRecorder {
	r := &headerRecorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.got = append(r.got, req.Header.Clone())
		r.mu.Unlock()
		http.Redirect(w, req, target()+req.URL.EscapedPath(), status)
	}))
	t.Cleanup(r.Close)
	return r
}

// otherHostURL names srv by "localhost" instead of "127.0.0.1": another
// host as far as the token is concerned, on the same loopback listener.
func otherHostURL(t *testing.T, srv *httptest.Server) string {
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return "http://localhost:" + u.Port()
}

var credentialNames = []string{"PRIVATE-TOKEN", "JOB-TOKEN", "Authorization", "Sudo"}

// TestRedirectToAnotherHostDropsTheToken sends each kind of token, with
// Sudo, to a GitLab that redirects to another host (another name, or
// another port): the other host receives none of them.
func TestRedirectToAnotherHostDropsTheToken(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		typ    TokenType
		header string
		value  string
	}{
		{"private token", PrivateToken, "PRIVATE-TOKEN", relToken},
		{"OAuth token", OAuthToken, "Authorization", "Bearer " + relToken},
		{"job token", JobToken, "JOB-TOKEN", relToken},
	} {
		for _, target := range []string{"another host name", "another port"} {
			for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
				t.Run(tt.name+"/"+target+"/"+http.StatusText(status), func(t *testing.T) {
					t.Parallel()
					other := newHeaderRecorder(t)
					dest := otherHostURL(t, other.Server)
					if target == "another port" {
						dest = other.URL
					}
					gitlab := redirector(t, status, func() string { return dest })
					c, err := NewClient(relToken, WithBaseURL(gitlab.URL), WithTokenType(tt.typ), WithoutRetries())
					require.NoError(t, err)
					ctx := context.Background()
					if status == http.StatusFound {
						_, err = c.Slack.Get(ctx, Project("acme/web"), WithSudo("alice"))
					} else {
						_, err = c.Slack.Set(ctx, Project("acme/web"), &SlackOptions{Webhook: "https://hooks.slack.com/x"}, WithSudo("alice"))
					}
					require.NoError(t, err)

					first := gitlab.headers()
					require.Len(t, first, 1)
					assert.Equal(t, tt.value, first[0].Get(tt.header), "the configured host gets the token")
					assert.Equal(t, "alice", first[0].Get("Sudo"))

					got := other.headers()
					require.Len(t, got, 1, "the redirect was followed")
					for _, k := range credentialNames {
						assert.Empty(t, got[0].Values(k), "%s reached the other host", k)
					}
					for k, vs := range got[0] {
						for _, v := range vs {
							assert.NotContains(t, v, relToken, "header %s", k)
						}
					}
					if status != http.StatusFound {
						other.mu.Lock()
						assert.JSONEq(t, `{"webhook":"https://hooks.slack.com/x"}`, other.body[0], "a 307/308 replays the body")
						other.mu.Unlock()
					}
				})
			}
		}
	}
}

func TestRedirectWithinTheHostKeepsTheToken(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var tokens []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, r.Header.Get("PRIVATE-TOKEN"))
		mu.Unlock()
		if !strings.HasPrefix(r.URL.Path, "/moved") {
			http.Redirect(w, r, "/moved"+r.URL.EscapedPath(), http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(relSlackAnswer))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithoutRetries())
	require.NoError(t, err)
	_, err = c.Slack.Get(context.Background(), ProjectID(4))
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{relToken, relToken}, tokens)
}

// TestRedirectAcrossSchemesDropsTheToken checks the policy itself for what
// loopback servers cannot show: an https GitLab redirecting to http on the
// same host.
func TestRedirectAcrossSchemesDropsTheToken(t *testing.T) {
	t.Parallel()
	check := tokenSafeRedirects("https", "gitlab.example.com", nil)
	for _, tc := range []struct {
		to    string
		strip bool
	}{
		{"http://gitlab.example.com/api/v4/x", true},
		{"https://gitlab.example.com:8443/api/v4/x", true},
		{"https://evil.example.com/api/v4/x", true},
		{"https://gitlab.example.com.evil.com/api/v4/x", true},
		{"https://gitlab.example.com/api/v4/other", false},
	} {
		req, err := http.NewRequest(http.MethodGet, tc.to, nil)
		require.NoError(t, err)
		for _, k := range credentialNames {
			req.Header.Set(k, "secret")
		}
		via := []*http.Request{{URL: &url.URL{Scheme: "https", Host: "gitlab.example.com"}}}
		require.NoError(t, check(req, via))
		for _, k := range credentialNames {
			if tc.strip {
				assert.Empty(t, req.Header.Get(k), "%s kept on a redirect to %s", k, tc.to)
			} else {
				assert.Equal(t, "secret", req.Header.Get(k), "%s dropped on a redirect to %s", k, tc.to)
			}
		}
	}
}

func TestRedirectLoopStopsAndIsNotRetried(t *testing.T) {
	t.Parallel()
	var self string
	loop := redirector(t, http.StatusFound, func() string { return self })
	self = loop.URL
	c, err := NewClient(relToken, WithBaseURL(loop.URL), WithRetries(3, 0, 0))
	require.NoError(t, err)
	_, err = c.Slack.Get(context.Background(), ProjectID(1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stopped after 10 redirects")
	assert.Len(t, loop.headers(), 10, "one attempt: the request and 9 redirects, the 10th refused")
}

// TestRedirectCallerPolicyStillApplies: a caller's CheckRedirect runs after
// the token is dropped, and the caller's client is left untouched.
func TestRedirectCallerPolicyStillApplies(t *testing.T) {
	t.Parallel()
	other := newHeaderRecorder(t)
	gitlab := redirector(t, http.StatusFound, func() string { return otherHostURL(t, other.Server) })
	var sawToken []string
	hc := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		sawToken = append(sawToken, req.Header.Get("PRIVATE-TOKEN"))
		return http.ErrUseLastResponse
	}}
	c, err := NewClient(relToken, WithBaseURL(gitlab.URL), WithHTTPClient(hc), WithoutRetries())
	require.NoError(t, err)
	_, err = c.Slack.Get(context.Background(), ProjectID(1))
	var gerr *Error
	require.ErrorAs(t, err, &gerr, "the caller's policy returned the 302 itself")
	assert.Equal(t, http.StatusFound, gerr.StatusCode)
	assert.Equal(t, []string{""}, sawToken, "the caller's policy saw the request without the token")
	assert.Empty(t, other.headers())
	// The caller's client is not modified: no transport put in, and its
	// CheckRedirect is still its own, which strips nothing.
	assert.Nil(t, hc.Transport)
	req, err := http.NewRequest(http.MethodGet, "https://elsewhere.example.com/", nil)
	require.NoError(t, err)
	req.Header.Set("PRIVATE-TOKEN", "kept")
	assert.ErrorIs(t, hc.CheckRedirect(req, nil), http.ErrUseLastResponse)
	assert.Equal(t, "kept", req.Header.Get("PRIVATE-TOKEN"))
}

// TestResponseIntoHasNoToken: the raw response handed to the caller does
// not lead back to the token through its request.
func TestResponseIntoHasNoToken(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, answer(200, relSlackAnswer))
	for _, typ := range []TokenType{PrivateToken, OAuthToken, JobToken} {
		c := srv.client(t, WithTokenType(typ))
		var resp *http.Response
		_, err := c.Slack.Get(context.Background(), ProjectID(1), WithResponseInto(&resp), WithRequestHeader("X-Trace", "abc"))
		require.NoError(t, err)
		require.NotNil(t, resp)
		require.NotNil(t, resp.Request)
		for _, k := range credentialNames[:3] {
			assert.Empty(t, resp.Request.Header.Get(k), "%s in the response's request", k)
		}
		assert.Equal(t, "abc", resp.Request.Header.Get("X-Trace"), "other headers are kept")
		assert.Equal(t, 200, resp.StatusCode)
	}
	hits := srv.requests()
	require.Len(t, hits, 3)
	assert.Equal(t, relToken, hits[0].header.Get("PRIVATE-TOKEN"), "the request itself carried the token")
}

// TestInsecureHTTPNeedsOptIn: plain http is refused for a host that is not
// loopback unless the caller opts in.
func TestInsecureHTTPNeedsOptIn(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://gitlab.example.com", "http://10.0.0.5:8080", "http://gitlab.localhost.example.com"} {
		_, err := NewClient(relToken, WithBaseURL(u))
		require.Error(t, err, u)
		assert.Contains(t, err.Error(), "WithInsecureHTTP", u)
		requireNoToken(t, err.Error(), "the error")
		c, err := NewClient(relToken, WithBaseURL(u), WithInsecureHTTP())
		require.NoError(t, err, u)
		assert.True(t, strings.HasPrefix(c.BaseURL(), "http://"), u)
	}
	for _, u := range []string{"http://localhost:8080", "http://127.0.0.1:3000", "http://[::1]:3000", "http://gitlab.localhost", "https://gitlab.example.com"} {
		_, err := NewClient(relToken, WithBaseURL(u))
		assert.NoError(t, err, u)
	}
}
