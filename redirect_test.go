package integrations

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gitlabkit/integrations/internal/transport"
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
		r.record(req)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(relSlackAnswer))
	}))
	t.Cleanup(r.Close)
	return r
}

// record keeps req's header and body.
func (r *headerRecorder) record(req *http.Request) {
	b := new(bytes.Buffer)
	_, _ = b.ReadFrom(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, req.Header.Clone())
	r.body = append(r.body, b.String())
}

// movedWithinHost is a GitLab that records every request and redirects it
// with status to /moved plus its path, on the same host, where it answers
// with the Slack integration.
func movedWithinHost(t *testing.T, status int) *headerRecorder {
	r := &headerRecorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.record(req)
		if !strings.HasPrefix(req.URL.Path, "/moved") {
			http.Redirect(w, req, "/moved"+req.URL.EscapedPath(), status)
			return
		}
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
					// A GET only: a Set or Delete redirected to another
					// host is refused (TestRedirectElsewhereNeverReportsAChange).
					_, err = c.Slack.Get(ctx, Project("acme/web"), WithSudo("alice"))
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
				})
			}
		}
	}
}

func TestRedirectWithinTheHostKeepsTheToken(t *testing.T) {
	t.Parallel()
	srv := movedWithinHost(t, http.StatusMovedPermanently)
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithoutRetries())
	require.NoError(t, err)
	_, err = c.Slack.Get(context.Background(), ProjectID(4))
	require.NoError(t, err)
	var tokens []string
	for _, h := range srv.headers() {
		tokens = append(tokens, h.Get("PRIVATE-TOKEN"))
	}
	assert.Equal(t, []string{relToken, relToken}, tokens)
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
	assert.Contains(t, err.Error(), "302 Found with Location "+loop.URL, "the error names the status and the Location")
	assert.Contains(t, err.Error(), "WithBaseURL", "and what to change")
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
	for _, u := range []string{"http://gitlab.example.com", "http://10.0.0.5:8080", "http://gitlab.localhost.example.com", "http://gitlab.localhost"} {
		_, err := NewClient(relToken, WithBaseURL(u))
		require.Error(t, err, u)
		assert.Contains(t, err.Error(), "WithInsecureHTTP", u)
		requireNoToken(t, err.Error(), "the error")
		c, err := NewClient(relToken, WithBaseURL(u), WithInsecureHTTP())
		require.NoError(t, err, u)
		assert.True(t, strings.HasPrefix(c.BaseURL(), "http://"), u)
	}
	for _, u := range []string{"http://localhost:8080", "http://127.0.0.1:3000", "http://[::1]:3000", "https://gitlab.example.com"} {
		_, err := NewClient(relToken, WithBaseURL(u))
		assert.NoError(t, err, u)
	}
}

// TestRedirectNeverSendsTheBodyElsewhere: a 307 or 308 to another host
// would resend a Set's body (webhook URLs, passwords) there; the SDK
// refuses it with an error naming the status and the Location, the other
// host receives nothing, and the call is not retried. Within the host, the
// body is replayed.
func TestRedirectNeverSendsTheBodyElsewhere(t *testing.T) {
	t.Parallel()
	const secret = "https://hooks.slack.com/services/T0/B0/SECRETPART"
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, target := range []string{"another host name", "another port"} {
			other := newHeaderRecorder(t)
			dest := otherHostURL(t, other.Server)
			if target == "another port" {
				dest = other.URL
			}
			gitlab := redirector(t, status, func() string { return dest })
			c, err := NewClient(relToken, WithBaseURL(gitlab.URL), WithRetries(3, 0, 0))
			require.NoError(t, err)
			_, err = c.Slack.Set(context.Background(), Project("acme/web"), &SlackOptions{Webhook: secret})
			require.Error(t, err, "%d to %s", status, target)
			assert.Contains(t, err.Error(), fmt.Sprint(status), "the error names the status")
			assert.Contains(t, err.Error(), "Location "+dest+"/api/v4/projects/acme%2Fweb/integrations/slack", "the error names the Location")
			assert.Contains(t, err.Error(), "WithBaseURL", "the error says what to change")
			assert.NotContains(t, err.Error(), "SECRETPART")
			assert.Empty(t, other.headers(), "%d to %s: the body reached the other host", status, target)
			assert.Len(t, gitlab.headers(), 1, "a refused redirect is not retried")
		}
	}

	// Within the host, a 307 replays the body byte for byte.
	srv := movedWithinHost(t, http.StatusTemporaryRedirect)
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithoutRetries())
	require.NoError(t, err)
	_, err = c.Slack.Set(context.Background(), ProjectID(4), &SlackOptions{Webhook: secret})
	require.NoError(t, err)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	require.Len(t, srv.body, 2)
	assert.Equal(t, srv.body[0], srv.body[1])
	assert.Contains(t, srv.body[0], "SECRETPART", "the configured host gets the body")
}

// TestRedirectThatChangesTheMethodIsAnError: a 301, 302 or 303 turns a PUT
// or DELETE into a GET (what nginx does to http:// when GitLab is on
// https://). Following it would return the old settings, or nil, as if the
// call had succeeded; the SDK refuses it instead, naming the status and the
// Location and saying to change the base URL.
func TestRedirectThatChangesTheMethodIsAnError(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther} {
		target := newHeaderRecorder(t)
		gitlab := redirector(t, status, func() string { return target.URL + "/https" })
		c, err := NewClient(relToken, WithBaseURL(gitlab.URL), WithRetries(3, 0, 0))
		require.NoError(t, err)
		ctx := context.Background()
		_, setErr := c.Slack.Set(ctx, ProjectID(1), &SlackOptions{Webhook: "https://hooks.slack.com/x"})
		delErr := c.Slack.Delete(ctx, ProjectID(1))
		for method, err := range map[string]error{"PUT": setErr, "DELETE": delErr} {
			require.Error(t, err, "%s answered %d reported success", method, status)
			msg := err.Error()
			assert.Contains(t, msg, fmt.Sprintf("the %s was answered %d %s", method, status, http.StatusText(status)))
			assert.Contains(t, msg, "Location "+target.URL+"/https/api/v4/projects/1/integrations/slack")
			assert.Contains(t, msg, "into a GET")
			assert.Contains(t, msg, "WithBaseURL")
			requireNoToken(t, msg, "the error")
		}
		assert.Empty(t, target.headers(), "%d: no GET was sent in place of the PUT or DELETE", status)
		assert.Len(t, gitlab.headers(), 2, "one attempt per call: a refused redirect is not retried")
	}
	// A GET still follows a 301.
	target := newHeaderRecorder(t)
	gitlab := redirector(t, http.StatusMovedPermanently, func() string { return target.URL })
	c, err := NewClient(relToken, WithBaseURL(gitlab.URL), WithoutRetries())
	require.NoError(t, err)
	_, err = c.Slack.Get(context.Background(), ProjectID(1))
	require.NoError(t, err)
	assert.Len(t, target.headers(), 1)
}

// TestResponseIntoHasNoTokenAfterRedirects: after redirects, every request
// reachable from the response WithResponseInto hands back (through
// Request.Response.Request, and so on) is free of the token and of the body.
func TestResponseIntoHasNoTokenAfterRedirects(t *testing.T) {
	t.Parallel()
	hops := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := strings.Count(r.URL.Path, "/hop"); n < 3 {
			http.Redirect(w, r, "/hop"+r.URL.EscapedPath(), []int{http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect}[n])
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(relSlackAnswer))
	}))
	t.Cleanup(srv.Close)
	for _, typ := range []TokenType{PrivateToken, OAuthToken, JobToken} {
		c, err := NewClient(relToken, WithBaseURL(srv.URL), WithTokenType(typ), WithoutRetries())
		require.NoError(t, err)
		var resp *http.Response
		_, err = c.Slack.Get(context.Background(), ProjectID(1), WithResponseInto(&resp))
		require.NoError(t, err)
		hops = 0
		for req := resp.Request; req != nil; {
			hops++
			for _, k := range credentialNames[:3] {
				assert.Empty(t, req.Header.Values(k), "%s in request %d back", k, hops)
			}
			for k, vs := range req.Header {
				for _, v := range vs {
					assert.NotContains(t, v, relToken, "header %s of request %d back", k, hops)
				}
			}
			assert.Nil(t, req.GetBody, "request %d back can replay its body", hops)
			if req.Response == nil {
				break
			}
			req = req.Response.Request
		}
		assert.Equal(t, 4, hops, "the final request and the three redirected ones")
		requireNoToken(t, fmt.Sprintf("%+v", resp), "the printed response")
	}
}

// TestRedirectElsewhereNeverReportsAChange: a Set or Delete redirected to
// another host (another name or another port), by any redirect status, is
// an error naming the status, the Location's host and WithBaseURL, and the
// other host receives nothing: it would get the request without the token,
// and whatever it answered would not be the change made on GitLab. Before
// this, a Delete redirected 307 or 308 reported success, 8 calls of 8 here.
// A GET is still followed, without the token.
func TestRedirectElsewhereNeverReportsAChange(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, target := range []string{"another host name", "another port"} {
			other := newHeaderRecorder(t)
			dest := otherHostURL(t, other.Server)
			if target == "another port" {
				dest = other.URL
			}
			destHost := strings.TrimPrefix(dest, "http://")
			gitlab := redirector(t, status, func() string { return dest })
			c, err := NewClient(relToken, WithBaseURL(gitlab.URL), WithRetries(3, 0, 0))
			require.NoError(t, err)
			ctx := context.Background()
			_, setErr := c.Slack.Set(ctx, ProjectID(1), &SlackOptions{Webhook: "https://hooks.slack.com/services/T0/B0/SECRETPART"})
			delErr := c.Slack.Delete(ctx, ProjectID(1))
			slack, err := c.Integration("slack")
			require.NoError(t, err)
			dynErr := slack.Delete(ctx, ProjectID(1))
			for method, err := range map[string]error{"PUT": setErr, "DELETE": delErr, "DELETE by slug": dynErr} {
				require.Error(t, err, "%s answered %d to %s reported success", method, status, target)
				msg := err.Error()
				assert.Contains(t, msg, fmt.Sprintf("was answered %d %s", status, http.StatusText(status)), method)
				assert.Contains(t, msg, "Location "+dest+"/api/v4/projects/1/integrations/slack", method)
				assert.Contains(t, msg, destHost, method)
				assert.Contains(t, msg, "WithBaseURL", method)
				assert.NotContains(t, msg, "SECRETPART", method)
				requireNoToken(t, msg, "the error")
				var re *transport.RedirectError
				assert.ErrorAs(t, err, &re, method)
			}
			assert.Empty(t, other.headers(), "%d to %s: a request reached the other host", status, target)
			assert.Len(t, gitlab.headers(), 3, "%d to %s: one attempt per call, a refused redirect is not retried", status, target)

			_, err = c.Slack.Get(ctx, ProjectID(1))
			require.NoError(t, err, "%d to %s: a GET follows", status, target)
			assert.Len(t, other.headers(), 1)
		}
	}
}
