package integrations

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenBucketReservesInOrder(t *testing.T) {
	t.Parallel()
	b := &tokenBucket{rate: 10, burst: 3, tokens: 3}
	t0 := time.Now()
	for i := range 3 {
		assert.Zero(t, b.reserve(t0), "burst token %d", i+1)
	}
	assert.Equal(t, 100*time.Millisecond, b.reserve(t0).Round(time.Millisecond))
	assert.Equal(t, 200*time.Millisecond, b.reserve(t0).Round(time.Millisecond))
	// Two seconds later the debt is paid and the bucket full again, not
	// fuller than its burst.
	later := t0.Add(2 * time.Second)
	for i := range 3 {
		assert.Zero(t, b.reserve(later), "token %d after refill", i+1)
	}
	assert.Positive(t, b.reserve(later))
}

// TestRateLimitCountsEveryAttempt: retries spend tokens too, so a retry
// storm cannot exceed the limit.
func TestRateLimitCountsEveryAttempt(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, answer(503, ``), answer(502, ``), answer(200, relSlackAnswer))
	c := srv.client(t, WithRateLimit(0.001, 5))
	_, err := c.Slack.Get(context.Background(), ProjectID(1))
	require.NoError(t, err)
	assert.Equal(t, 3, srv.count())
	c.limiter.bucket.mu.Lock()
	defer c.limiter.bucket.mu.Unlock()
	assert.InDelta(t, 2, c.limiter.bucket.tokens, 0.01, "three attempts took three tokens")
}

func TestRateLimitRespectsTheContext(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, answer(200, relSlackAnswer))
	// One request every 20 seconds.
	c := srv.client(t, WithRateLimit(0.05, 1))
	_, err := c.Slack.Get(context.Background(), ProjectID(1))
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = c.Slack.Get(ctx, ProjectID(1))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "client-side rate limit")
	assert.NoError(t, ctx.Err(), "failed at once rather than sleeping into the deadline")

	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err = c.Slack.Get(ctx, ProjectID(1))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, srv.count(), "nothing sent while waiting")
}

// rateHeaders builds an answer with GitLab's rate-limit headers.
func rateHeaders(status, remaining int, reset string) *http.Response {
	h := http.Header{}
	h.Set("RateLimit-Limit", "10")
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", reset)
	if status == http.StatusTooManyRequests {
		h.Set("Retry-After", "30")
	}
	return &http.Response{StatusCode: status, Header: h}
}

// acquireWithin tries to acquire within d.
func acquireWithin(a *adaptiveLimit, d time.Duration) (ticket, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return a.acquire(ctx)
}

func TestAdaptiveWithoutHeadersNeverWaits(t *testing.T) {
	t.Parallel()
	a := &adaptiveLimit{wake: make(chan struct{})}
	for range 100 {
		tk, err := acquireWithin(a, time.Millisecond)
		require.NoError(t, err)
		a.observe(tk, &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}})
	}
	assert.True(t, a.window.IsZero())
	assert.Zero(t, a.inflight)
}

func TestAdaptiveWaitsWhenTheWindowIsUsedUp(t *testing.T) {
	t.Parallel()
	a := &adaptiveLimit{wake: make(chan struct{})}
	tk, err := acquireWithin(a, time.Second)
	require.NoError(t, err)
	// GitLab: 3 left, window ends in 30 seconds.
	a.observe(tk, rateHeaders(200, 3, "30"))
	var out []ticket
	for i := range 3 {
		tk, err := acquireWithin(a, 10*time.Millisecond)
		require.NoError(t, err, "request %d of 3 left", i+1)
		out = append(out, tk)
	}
	// With 3 in flight and 3 left, a fourth must wait for an answer.
	released := make(chan error, 1)
	go func() {
		tk, err := acquireWithin(a, 10*time.Second)
		if err == nil {
			a.observe(tk, nil)
		}
		released <- err
	}()
	// The first answer: GitLab counted one of them, 2 left, 2 in flight.
	a.observe(out[0], rateHeaders(200, 2, "30"))
	select {
	case err := <-released:
		t.Fatalf("a fourth request went out with nothing left (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	// A newer window with room releases it.
	a.observe(out[1], rateHeaders(200, 9, "33"))
	select {
	case err := <-released:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("a newer window with room did not release the waiting request")
	}
	a.observe(out[2], rateHeaders(200, 8, "33"))
}

func TestAdaptiveHoldsEveryoneAfterA429(t *testing.T) {
	t.Parallel()
	a := &adaptiveLimit{wake: make(chan struct{})}
	tk, err := acquireWithin(a, time.Second)
	require.NoError(t, err)
	a.observe(tk, rateHeaders(http.StatusTooManyRequests, 0, "30"))
	_, err = acquireWithin(a, 30*time.Millisecond)
	require.ErrorIs(t, err, context.DeadlineExceeded, "no request before Retry-After")
	assert.Contains(t, err.Error(), "rate-limit window")
	assert.WithinDuration(t, time.Now().Add(30*time.Second), a.holdUntil, 2*time.Second)
}

// TestAdaptiveProbesAfterAUsedUpWindow: when a used-up window ends, one
// request goes first; the others follow its answer.
func TestAdaptiveProbesAfterAUsedUpWindow(t *testing.T) {
	t.Parallel()
	a := &adaptiveLimit{wake: make(chan struct{})}
	tk, err := acquireWithin(a, time.Second)
	require.NoError(t, err)
	a.observe(tk, rateHeaders(200, 0, "1"))
	a.mu.Lock()
	a.window = time.Now().Add(-time.Millisecond) // the window just ended
	a.mu.Unlock()
	probe, err := acquireWithin(a, time.Second)
	require.NoError(t, err)
	require.True(t, probe.probe)
	second := make(chan error, 1)
	go func() {
		tk, err := acquireWithin(a, 10*time.Second)
		if err == nil {
			a.observe(tk, nil)
		}
		second <- err
	}()
	select {
	case <-second:
		t.Fatal("a second request went out before the probe's answer")
	case <-time.After(50 * time.Millisecond):
	}
	a.observe(probe, rateHeaders(200, 9, fmt.Sprint(time.Now().Add(time.Minute).Unix())))
	select {
	case err := <-second:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the probe's answer did not release the others")
	}
}

func TestResetTimeForms(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		header, value string
		want          time.Time
		ok            bool
	}{
		{"RateLimit-Reset", "1700000060", time.Unix(1_700_000_060, 0), true},
		{"RateLimit-Reset", "60", now.Add(time.Minute), true},
		{"RateLimit-ResetTime", now.Add(time.Minute).UTC().Format(http.TimeFormat), now.Add(time.Minute), true},
		{"RateLimit-Reset", "tomorrow", time.Time{}, false},
		{"RateLimit-Reset", "-4", time.Time{}, false},
	} {
		h := http.Header{}
		h.Set(tc.header, tc.value)
		got, ok := resetTime(h, now)
		assert.Equal(t, tc.ok, ok, "%s: %s", tc.header, tc.value)
		assert.True(t, tc.want.Equal(got), "%s: %s gave %v", tc.header, tc.value, got)
	}
}
