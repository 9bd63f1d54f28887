package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRetryOnlyTransientStatuses sends one Get against a GitLab that always
// answers the same status, and counts the attempts: 429, 502, 503 and 504
// are retried until the policy's maximum, every other status is sent once.
func TestRetryOnlyTransientStatuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		retry  bool
	}{
		{http.StatusTooManyRequests, true},
		{http.StatusBadGateway, true},
		{http.StatusServiceUnavailable, true},
		{http.StatusGatewayTimeout, true},
		{http.StatusBadRequest, false},
		{http.StatusUnauthorized, false},
		{http.StatusForbidden, false},
		{http.StatusNotFound, false},
		{http.StatusMethodNotAllowed, false},
		{http.StatusConflict, false},
		{http.StatusGone, false},
		{http.StatusRequestEntityTooLarge, false},
		{http.StatusUnprocessableEntity, false},
		{http.StatusInternalServerError, false},
		{http.StatusNotImplemented, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			t.Parallel()
			body := fmt.Sprintf(`{"message":"%d from the fake"}`, tc.status)
			srv := newRelServer(t, answer(tc.status, body))
			c := srv.client(t, WithRetries(3, 0, 0))
			_, err := c.Slack.Get(context.Background(), Project("acme/web"))
			var gerr *Error
			require.ErrorAs(t, err, &gerr)
			assert.Equal(t, tc.status, gerr.StatusCode)
			assert.Equal(t, body, string(gerr.Body), "the last answer's body")
			assert.Equal(t, fmt.Sprintf("%d from the fake", tc.status), gerr.Message)
			want := 1
			if tc.retry {
				want = 4
			}
			assert.Equal(t, want, srv.count(), "requests sent for %d", tc.status)
			if tc.status == http.StatusTooManyRequests {
				assert.ErrorIs(t, err, ErrRateLimited)
			}
		})
	}
}

func TestRetrySucceedsAfterTransientFailures(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t,
		relStep{status: 502, body: "<html>bad gateway</html>", header: map[string]string{"Content-Type": "text/html"}},
		answer(503, `{"message":"503 Service Unavailable"}`),
		answer(504, ``),
		answer(200, relSlackAnswer))
	c := srv.client(t)
	s, err := c.Slack.Get(context.Background(), ProjectID(7))
	require.NoError(t, err)
	assert.Equal(t, "#deploys", s.Properties.Channel)
	assert.Equal(t, 4, srv.count())
}

// TestRetryReplaysPUTBodyByteForByte checks that every attempt of a Set
// carries the same body, content type and token as the first.
func TestRetryReplaysPUTBodyByteForByte(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t,
		answer(502, ``),
		relStep{status: 429, header: map[string]string{"Retry-After": "0"}, body: "Retry later\n"},
		answer(503, ``),
		answer(200, relSlackAnswer))
	c := srv.client(t)
	opts := &SlackOptions{
		Webhook:              "https://hooks.slack.com/services/T0/B0/XYZ",
		Channel:              Ptr("#deploys"),
		PushEvents:           Ptr(false),
		BranchesToBeNotified: Ptr(BranchesDefaultAndProtected),
	}
	_, err := c.Slack.Set(context.Background(), Project("acme/web"), opts)
	require.NoError(t, err)
	want, err := json.Marshal(opts)
	require.NoError(t, err)
	hits := srv.requests()
	require.Len(t, hits, 4)
	for i, h := range hits {
		assert.Equal(t, http.MethodPut, h.method, "attempt %d", i+1)
		assert.Equal(t, "/api/v4/projects/acme%2Fweb/integrations/slack", h.path, "attempt %d", i+1)
		assert.Equal(t, string(want), string(h.body), "attempt %d body", i+1)
		assert.Equal(t, "application/json", h.header.Get("Content-Type"), "attempt %d", i+1)
		assert.Equal(t, relToken, h.header.Get("PRIVATE-TOKEN"), "attempt %d", i+1)
	}
}

func TestRetryLastAnswerSurvives(t *testing.T) {
	t.Parallel()
	const body = `{"message":"GitLab is down for maintenance"}`
	srv := newRelServer(t, answer(503, body))
	c := srv.client(t)
	err := c.Slack.Delete(context.Background(), Group("acme"))
	var gerr *Error
	require.ErrorAs(t, err, &gerr)
	assert.Equal(t, 503, gerr.StatusCode)
	assert.Equal(t, "GitLab is down for maintenance", gerr.Message)
	assert.Equal(t, body, string(gerr.Body))
	assert.Equal(t, http.MethodDelete, gerr.Method)
	assert.Contains(t, err.Error(), "503 Service Unavailable: GitLab is down for maintenance")
	assert.Equal(t, 4, srv.count())
}

func TestWithoutRetriesSendsOnce(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, answer(503, `{"message":"busy"}`))
	c := srv.client(t, WithoutRetries())
	_, err := c.List(context.Background(), ProjectID(1))
	require.Error(t, err)
	assert.Equal(t, 1, srv.count())
}

// closedAddress returns a loopback address nothing listens on.
func closedAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestRetryConnectionRefused(t *testing.T) {
	t.Parallel()
	var log relLog
	c, err := NewClient(relToken, WithBaseURL("http://"+closedAddress(t)),
		WithRetries(2, 0, 0), WithLogger(log.logger()))
	require.NoError(t, err)
	_, err = c.Slack.Get(context.Background(), Project("acme/web"))
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.Contains(t, err.Error(), "giving up after 3 attempts")
	assert.Equal(t, 2, strings.Count(log.String(), `"msg":"gitlab retry"`), "retries logged:\n%s", log.String())
	requireNoToken(t, err.Error(), "the error")
	requireNoToken(t, log.String(), "the log")
}

func TestRetryConnectionReset(t *testing.T) {
	t.Parallel()
	var log relLog
	srv := newRelServer(t, relStep{reset: true}, relStep{reset: true}, answer(200, relSlackAnswer))
	c := srv.client(t, WithLogger(log.logger()))
	s, err := c.Slack.Get(context.Background(), Project("acme/web"))
	require.NoError(t, err)
	assert.Equal(t, "slack", s.Slug)
	assert.GreaterOrEqual(t, srv.count(), 3)
	assert.Equal(t, 2, strings.Count(log.String(), `"msg":"gitlab retry"`), "retries logged:\n%s", log.String())
}

func TestRetryConnectionResetOnPUT(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, relStep{reset: true}, answer(200, relSlackAnswer))
	c := srv.client(t)
	_, err := c.Slack.Set(context.Background(), ProjectID(3), &SlackOptions{Webhook: "https://hooks.slack.com/x"})
	require.NoError(t, err)
	hits := srv.requests()
	require.Len(t, hits, 2)
	assert.Equal(t, string(hits[0].body), string(hits[1].body))
	assert.JSONEq(t, `{"webhook":"https://hooks.slack.com/x"}`, string(hits[1].body))
}

// TestServerWait checks which of GitLab's headers sets the wait, and how
// each form is read.
func TestServerWait(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"Retry-After seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second, true},
		{"Retry-After zero", map[string]string{"Retry-After": "0"}, 0, true},
		{"Retry-After HTTP date", map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second, true},
		{"Retry-After date in the past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{"Retry-After wins over RateLimit-Reset", map[string]string{"Retry-After": "3", "RateLimit-Reset": fmt.Sprint(now.Add(50 * time.Second).Unix())}, 3 * time.Second, true},
		{"RateLimit-Reset Unix second", map[string]string{"RateLimit-Reset": fmt.Sprint(now.Add(42 * time.Second).Unix())}, 42 * time.Second, true},
		{"RateLimit-Reset seconds from now", map[string]string{"RateLimit-Reset": "12"}, 12 * time.Second, true},
		{"RateLimit-ResetTime", map[string]string{"RateLimit-ResetTime": now.Add(5 * time.Second).Format(http.TimeFormat)}, 5 * time.Second, true},
		{"bad Retry-After falls back to RateLimit-Reset", map[string]string{"Retry-After": "soon", "RateLimit-Reset": fmt.Sprint(now.Add(8 * time.Second).Unix())}, 8 * time.Second, true},
		{"negative Retry-After ignored", map[string]string{"Retry-After": "-5"}, 0, false},
		{"huge Retry-After does not overflow", map[string]string{"Retry-After": "99999999999999999"}, time.Duration(maxServerWaitSeconds) * time.Second, true},
		{"nothing", map[string]string{"Content-Type": "application/json"}, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			got, ok := serverWait(h, now)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
			assert.GreaterOrEqual(t, got, time.Duration(0))
		})
	}
}

// TestRetryDelay checks the policy's choice: GitLab's wait when it gave one,
// else exponential backoff with jitter within bounds.
func TestRetryDelay(t *testing.T) {
	t.Parallel()
	p := retryPolicy{max: 10, minWait: 100 * time.Millisecond, maxWait: 2 * time.Second, budget: time.Minute}
	now := time.Unix(1_700_000_000, 0) // a whole second, as RateLimit-Reset is
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"30"}}}
	d, fromServer := p.delay(1, resp, now)
	assert.True(t, fromServer)
	assert.Equal(t, 30*time.Second, d, "GitLab's wait is taken as asked, not capped")

	for attempt := 1; attempt <= 40; attempt++ {
		ceiling := min(p.maxWait, p.minWait<<min(attempt-1, 30))
		for range 50 {
			d, fromServer := p.delay(attempt, &http.Response{StatusCode: 503, Header: http.Header{}}, now)
			require.False(t, fromServer)
			require.GreaterOrEqual(t, d, ceiling/2, "attempt %d", attempt)
			require.LessOrEqual(t, d, ceiling, "attempt %d", attempt)
		}
	}
	// RateLimit-Reset comes with every answer of a throttled endpoint: it
	// is a wait only on a 429.
	reset := http.Header{"Ratelimit-Reset": {fmt.Sprint(now.Add(time.Hour).Unix())}}
	d, fromServer = p.delay(1, &http.Response{StatusCode: 503, Header: reset}, now)
	assert.False(t, fromServer, "a 503's RateLimit-Reset is not a wait")
	assert.LessOrEqual(t, d, p.minWait)
	d, fromServer = p.delay(1, &http.Response{StatusCode: 429, Header: reset}, now)
	assert.True(t, fromServer)
	assert.Equal(t, time.Hour, d)
	d, fromServer = p.delay(1, &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"4"}, "Ratelimit-Reset": reset["Ratelimit-Reset"]}}, now)
	assert.True(t, fromServer)
	assert.Equal(t, 4*time.Second, d, "a 503's Retry-After is a wait")

	d, _ = p.delay(3, nil, now)
	assert.LessOrEqual(t, d, 400*time.Millisecond, "a network error backs off too")
	assert.GreaterOrEqual(t, d, 200*time.Millisecond)
	assert.Zero(t, jitteredBackoff(0, time.Second, 5), "minWait 0 means no wait")
}

// TestRetryAfterIsHonouredEndToEnd waits out a real one-second Retry-After.
func TestRetryAfterIsHonouredEndToEnd(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t,
		relStep{status: 429, header: map[string]string{"Retry-After": "1", "Content-Type": "text/plain"}, body: "Retry later\n"},
		answer(200, relSlackAnswer))
	c := srv.client(t, WithRetries(2, time.Millisecond, 5*time.Second))
	_, err := c.Slack.Get(context.Background(), ProjectID(1))
	require.NoError(t, err)
	hits := srv.requests()
	require.Len(t, hits, 2)
	// A lower bound on a sleep is behaviour, not speed: the retry must not
	// come before GitLab said it may.
	assert.GreaterOrEqual(t, hits[1].at.Sub(hits[0].at), time.Second-50*time.Millisecond)
}

func TestRetryGivesUpWhenGitLabAsksTooLong(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, relStep{status: 429, header: map[string]string{"Retry-After": "3600"}, body: `{"message":"429 Too Many Requests"}`})
	c := srv.client(t, WithRetries(5, time.Millisecond, time.Second))
	_, err := c.Slack.Get(context.Background(), ProjectID(1))
	var gerr *Error
	require.ErrorAs(t, err, &gerr)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, "3600", gerr.Header.Get("Retry-After"), "the caller can read GitLab's wait")
	assert.Equal(t, 1, srv.count(), "no retry before GitLab allows it")
}

func TestRetryBudgetBoundsTheCall(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, answer(503, `{"message":"busy"}`))
	// The first wait is 200-400ms, so the first retry starts within the
	// 590ms budget unless the first attempt takes over 190ms (slack for a
	// loaded CI machine). The second wait is 400-800ms, decided after the
	// first wait, so it would end at least 600ms in: past the budget.
	c := srv.client(t, WithRetries(10, 400*time.Millisecond, 2*time.Second), WithRetryBudget(590*time.Millisecond))
	_, err := c.Slack.Get(context.Background(), ProjectID(1))
	var gerr *Error
	require.ErrorAs(t, err, &gerr)
	assert.Equal(t, 503, gerr.StatusCode)
	assert.Equal(t, 2, srv.count())
}

func TestRetryCancelDuringWait(t *testing.T) {
	t.Parallel()
	const body = `{"message":"GitLab is restarting"}`
	srv := newRelServer(t, relStep{status: 503, header: map[string]string{"Retry-After": "30"}, body: body})
	c := srv.client(t, WithRetries(3, time.Millisecond, time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.count() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // into the 30s wait
		cancel()
	}()
	start := time.Now()
	_, err := c.Slack.Get(ctx, Project("acme/web"))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 10*time.Second, "the 30s wait was cut short")
	assert.ErrorIs(t, err, context.Canceled)
	var gerr *Error
	require.ErrorAs(t, err, &gerr, "GitLab's last answer is still there")
	assert.Equal(t, 503, gerr.StatusCode)
	assert.Equal(t, body, string(gerr.Body))
	assert.Contains(t, err.Error(), "context canceled while waiting 30s to retry")
	assert.Contains(t, err.Error(), "GitLab is restarting")
	assert.Equal(t, 1, srv.count())
}

func TestRetryCancelDuringWaitAfterNetworkError(t *testing.T) {
	t.Parallel()
	// The cancel comes once the first attempt has failed, whatever the
	// machine's load, during the 30 s wait before the second.
	failed := make(chan struct{}, 1)
	hc := &http.Client{Transport: attemptWatcher(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			select {
			case failed <- struct{}{}:
			default:
			}
		}
		return resp, err
	})}
	c, err := NewClient(relToken, WithBaseURL("http://"+closedAddress(t)), WithRetries(3, 30*time.Second, time.Minute), WithHTTPClient(hc))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	go func() { <-failed; time.Sleep(10 * time.Millisecond); cancel() }()
	_, err = c.List(ctx, ProjectID(1))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.Contains(t, err.Error(), "the last attempt failed")
}

// attemptWatcher is an http.RoundTripper made of a function.
type attemptWatcher func(*http.Request) (*http.Response, error)

func (f attemptWatcher) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRetryStopsBeforeADeadlineItCannotMeet: when the context's deadline
// comes before the wait GitLab asked for ends, the call returns at once.
func TestRetryStopsBeforeADeadlineItCannotMeet(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, relStep{status: 429, header: map[string]string{"Retry-After": "30"}, body: `{"message":"slow down"}`})
	c := srv.client(t, WithRetries(3, time.Millisecond, time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Slack.Get(ctx, ProjectID(1))
	require.Error(t, err)
	assert.NoError(t, ctx.Err(), "returned before the deadline")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, ErrRateLimited)
	var gerr *Error
	require.ErrorAs(t, err, &gerr)
	assert.Equal(t, `{"message":"slow down"}`, string(gerr.Body))
	assert.Contains(t, err.Error(), "deadline comes before the 30s wait")
	assert.Equal(t, 1, srv.count())
}

func TestRetryOptionsRefuseNonsense(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]ClientOption{
		"negative max":         WithRetries(-1, 0, 0),
		"negative minWait":     WithRetries(1, -time.Second, time.Second),
		"maxWait below min":    WithRetries(1, time.Second, time.Millisecond),
		"zero budget":          WithRetryBudget(0),
		"negative budget":      WithRetryBudget(-time.Second),
		"zero rate":            WithRateLimit(0, 1),
		"NaN rate":             WithRateLimit(nanFloat(), 1),
		"zero burst":           WithRateLimit(10, 0),
		"negative rate":        WithRateLimit(-1, 5),
		"negative burst":       WithRateLimit(1, -5),
		"nil logger":           WithLogger(nil),
		"nil HTTP client":      WithHTTPClient(nil),
		"unknown token type":   WithTokenType(TokenType(9)),
		"query in base URL":    WithBaseURL("https://gitlab.example.com/?private_token=x"),
		"fragment in base URL": WithBaseURL("https://gitlab.example.com/#x"),
	} {
		_, err := NewClient(relToken, opt)
		assert.Error(t, err, name)
		if err != nil {
			requireNoToken(t, err.Error(), name)
		}
	}
}

func nanFloat() float64 {
	zero := 0.0
	return zero / zero
}

// TestRetryErrorsWrapContext keeps errors.Is working for a context that
// ended before the first attempt.
func TestRetryErrorsWrapContext(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, answer(200, relSlackAnswer))
	c := srv.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Slack.Get(ctx, ProjectID(1))
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	assert.Zero(t, srv.count())
}
