package integrations

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewClientRefusesControlCharacters: a token or a User-Agent that no
// HTTP header can carry is refused by NewClient, not by every call later.
func TestNewClientRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		token string
		opts  []ClientOption
		want  string
	}{
		{"NUL in the token", "glpat-abc\x00def", nil, "token contains a control character"},
		{"tab in the token", "glpat-abc\tdef", nil, "token contains a control character"},
		{"escape in the token", "glpat-\x1b[0m", nil, "token contains a control character"},
		{"DEL in the token", "glpat-abc\x7f", nil, "token contains a control character"},
		{"CR LF in the User-Agent", relToken, []ClientOption{WithUserAgent("bot/1\r\nX-Evil: 1")}, "WithUserAgent"},
		{"LF in the User-Agent", relToken, []ClientOption{WithUserAgent("bot/1\n")}, "WithUserAgent"},
		{"NUL in the User-Agent", relToken, []ClientOption{WithUserAgent("bot\x00")}, "WithUserAgent"},
	} {
		c, err := NewClient(tc.token, tc.opts...)
		require.Error(t, err, tc.name)
		assert.Nil(t, c, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		requireNoToken(t, err.Error(), tc.name)
		assert.NotContains(t, err.Error(), "glpat-abc", tc.name)
	}
	_, err := NewClient(relToken, WithUserAgent("release-bot/2.1 (+https://example.com)"))
	assert.NoError(t, err)
}

// TestAbsurdOptionsAreRefused: a number no script means is refused by
// NewClient with an error naming the option, rather than overflowing into
// no limit at all.
func TestAbsurdOptionsAreRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opt  ClientOption
		want string
	}{
		{"a rate of one request in 317 years", WithRateLimit(1e-10, 1), "WithRateLimit"},
		{"an infinite rate", WithRateLimit(math.Inf(1), 1), "WithRateLimit"},
		{"a burst of a billion", WithRateLimit(10, 1<<30), "WithRateLimit"},
		{"a trillion retries", WithRetries(1<<40, time.Second, time.Minute), "WithRetries"},
		{"a maxWait of a thousand days", WithRetries(3, time.Second, 1000*24*time.Hour), "WithRetries"},
		{"a budget of a century", WithRetryBudget(100 * 365 * 24 * time.Hour), "WithRetryBudget"},
		{"a billion connections", WithMaxConnections(1 << 30), "WithMaxConnections"},
	} {
		c, err := NewClient(relToken, tc.opt)
		require.Error(t, err, tc.name)
		assert.Nil(t, c)
		assert.Contains(t, err.Error(), tc.want, tc.name)
	}
	// The edges of the ranges are accepted.
	_, err := NewClient(relToken, WithRateLimit(1.0/3600, 1), WithRetries(100, 0, 24*time.Hour), WithRetryBudget(24*time.Hour))
	require.NoError(t, err)

	// Even at the slowest rate, a wait never overflows into no wait.
	b := &tokenBucket{rate: minRatePerSecond / 1e12, burst: 1, tokens: 1}
	now := time.Now()
	assert.Zero(t, b.reserve(now))
	assert.Equal(t, maxDuration, b.reserve(now), "the second request waits as long as a Duration holds")
}

// TestAbsurdRateLimitResetMeansTooLong: a RateLimit-Reset near the int64
// maximum is a wait too long to take, not a date in the past: the call
// stops with GitLab's 429 instead of retrying at once.
func TestAbsurdRateLimitResetMeansTooLong(t *testing.T) {
	t.Parallel()
	now := time.Now()
	h := http.Header{}
	h.Set("RateLimit-Reset", "9223372036854775807")
	reset, ok := resetTime(h, now)
	require.True(t, ok)
	assert.True(t, reset.After(now.Add(365*24*time.Hour)), "the reset is far in the future, not %v", reset)

	srv := newRelServer(t,
		relStep{status: 429, header: map[string]string{"RateLimit-Reset": "9223372036854775807", "RateLimit-Remaining": "0"}, body: `{"message":"slow down"}`},
		answer(200, relSlackAnswer))
	c := srv.client(t)
	_, err := c.Slack.Get(context.Background(), ProjectID(1))
	require.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, 1, srv.count(), "no retry after a reset too far away")
}

// TestAnswerCutOffMidBody: a 200 whose body a reset cuts off is retried
// like any reset for a GET or a DELETE; an answer that cannot be read is
// ErrInvalidResponse either way, a PUT's included.
func TestAnswerCutOffMidBody(t *testing.T) {
	t.Parallel()
	cut := relStep{status: 200, body: relSlackAnswer, cut: true}
	ctx := context.Background()

	srv := newRelServer(t, cut, answer(200, relSlackAnswer))
	got, err := srv.client(t).Slack.Get(ctx, ProjectID(1))
	require.NoError(t, err, "a GET cut off is retried")
	assert.Equal(t, "slack", got.Slug)
	assert.Equal(t, 2, srv.count())

	srv = newRelServer(t, cut, answer(204, ""))
	require.NoError(t, srv.client(t).Slack.Delete(ctx, ProjectID(1)), "a DELETE cut off is retried")
	assert.Equal(t, 2, srv.count())

	srv = newRelServer(t, cut)
	_, err = srv.client(t).Slack.Get(ctx, ProjectID(1))
	require.ErrorIs(t, err, ErrInvalidResponse, "cut off on every attempt")
	assert.ErrorIs(t, err, syscall.ECONNRESET)
	assert.Contains(t, err.Error(), "giving up after 4 attempts")
	assert.Equal(t, 4, srv.count())

	srv = newRelServer(t, cut, answer(200, relSlackAnswer))
	_, err = srv.client(t).Slack.Set(ctx, ProjectID(1), &SlackOptions{Webhook: "https://hooks.slack.com/x"})
	require.ErrorIs(t, err, ErrInvalidResponse, "a PUT cut off")
	assert.Contains(t, err.Error(), "broke off")
	assert.Equal(t, 1, srv.count(), "GitLab answered the PUT: it is not sent again")

	// An error status cut off is still the error status.
	srv = newRelServer(t, relStep{status: 404, body: `{"message":"404 Integration Not Found"}`, cut: true})
	_, err = srv.client(t).Slack.Get(ctx, ProjectID(1))
	var gerr *Error
	require.ErrorAs(t, err, &gerr)
	assert.Equal(t, 404, gerr.StatusCode)
}

// TestAdaptiveHoldIsBoundedByMaxWait: one 429 asking for 999999 seconds
// must not freeze the Client. The retry policy gives up on it at once; the
// adaptive limit then holds later calls no longer than maxWait, and a call
// whose deadline comes before its turn fails at once, matching
// ErrRateLimited and context.DeadlineExceeded.
func TestAdaptiveHoldIsBoundedByMaxWait(t *testing.T) {
	t.Parallel()
	tooMany := relStep{status: 429, header: map[string]string{"Retry-After": "999999"}, body: `{"message":"Retry later"}`}

	srv := newRelServer(t, tooMany, answer(200, relSlackAnswer))
	c := srv.client(t, WithAdaptiveRateLimit(), WithRetries(3, time.Millisecond, 200*time.Millisecond))
	_, err := c.Slack.Get(context.Background(), ProjectID(1))
	require.ErrorIs(t, err, ErrRateLimited, "the retry policy gives up on a wait longer than maxWait")
	// Safety net only: before the fix this call waited until its deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err = c.Slack.Get(ctx, ProjectID(1))
	took := time.Since(start)
	require.NoError(t, err)
	assert.Less(t, took, time.Second, "held %s: longer than maxWait (200ms)", took)
	t.Logf("the call after the 429 was held %s (maxWait 200ms)", took.Round(time.Millisecond))

	// With the default maxWait (1m) the hold is a minute: a call with a 2 s
	// deadline fails at once instead of at its deadline, and sends nothing.
	srv = newRelServer(t, tooMany, answer(200, relSlackAnswer))
	c = srv.client(t, WithAdaptiveRateLimit(), WithRetries(3, time.Millisecond, time.Minute))
	_, err = c.Slack.Get(context.Background(), ProjectID(1))
	require.ErrorIs(t, err, ErrRateLimited)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	start = time.Now()
	_, err = c.Slack.Get(ctx2, ProjectID(1))
	took = time.Since(start)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, took, time.Second, "failed after %s, not at once", took)
	assert.Equal(t, 1, srv.count(), "the held call sent nothing")
	t.Logf("the call with a 2s deadline failed after %s: %v", took.Round(time.Millisecond), err)

	// A used-up window whose reset is 11 days away holds no longer either.
	a := &adaptiveLimit{wake: make(chan struct{}), maxHold: 100 * time.Millisecond}
	tk, err := a.acquire(context.Background())
	require.NoError(t, err)
	a.observe(tk, &http.Response{StatusCode: 200, Header: http.Header{
		"Ratelimit-Remaining": {"0"}, "Ratelimit-Limit": {"10"},
		"Ratelimit-Reset": {fmt.Sprint(time.Now().Add(999999 * time.Second).Unix())},
	}})
	ctx4, cancel4 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel4()
	start = time.Now()
	_, err = a.acquire(ctx4)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), time.Second, "a window's far reset held the client %s", time.Since(start))

	// WithRateLimit's bucket fails the same way, with the same matches.
	b := &tokenBucket{rate: 1, burst: 1, tokens: 1}
	require.NoError(t, b.wait(context.Background()))
	ctx3, cancel3 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel3()
	err = b.wait(ctx3)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
