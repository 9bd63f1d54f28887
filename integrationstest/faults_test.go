package integrationstest_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// testClock is a clock the test moves by hand, safe for the server's
// goroutines.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Date(2025, 6, 1, 12, 0, 0, 250_000_000, time.UTC).UnixNano())
	return c
}

func (c *testClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestRateLimitHeadersAndRefusal(t *testing.T) {
	clock := newTestClock()
	srv := integrationstest.NewServerWithClock(clock.now, integrationstest.WithRateLimit(3))
	defer srv.Close()
	srv.AddProject("acme/web")
	c := newClient(t, srv)
	ctx := context.Background()
	reset := strconv.FormatInt(clock.now().Unix()+1, 10)

	for i := 1; i <= 3; i++ {
		var resp *http.Response
		_, err := c.List(ctx, integrations.Project("acme/web"), integrations.WithResponseInto(&resp))
		require.NoError(t, err, "request %d is within the limit", i)
		assert.Equal(t, "3", resp.Header.Get("RateLimit-Limit"))
		assert.Equal(t, strconv.Itoa(i), resp.Header.Get("RateLimit-Observed"))
		assert.Equal(t, strconv.Itoa(3-i), resp.Header.Get("RateLimit-Remaining"))
		assert.Equal(t, reset, resp.Header.Get("RateLimit-Reset"))
		assert.Equal(t, "Sun, 01 Jun 2025 12:00:01 GMT", resp.Header.Get("RateLimit-ResetTime"))
		assert.Empty(t, resp.Header.Get("Retry-After"))
	}

	_, err := c.List(ctx, integrations.Project("acme/web"))
	assert.ErrorIs(t, err, integrations.ErrRateLimited)
	var gerr *integrations.Error
	require.ErrorAs(t, err, &gerr)
	assert.Equal(t, "1", gerr.Header.Get("Retry-After"), "0.75 s to the next window, rounded up")
	assert.Equal(t, "4", gerr.Header.Get("RateLimit-Observed"), "refused requests count too")
	assert.Equal(t, "0", gerr.Header.Get("RateLimit-Remaining"))
	assert.Equal(t, "Retry later\n", string(gerr.Body))
	assert.Equal(t, "text/plain", gerr.Header.Get("Content-Type"))

	// Errors of the API itself carry the headers too.
	clock.advance(time.Second)
	_, err = c.Slack.Get(ctx, integrations.Project("acme/web"))
	require.ErrorAs(t, err, &gerr)
	assert.Equal(t, http.StatusNotFound, gerr.StatusCode)
	assert.Equal(t, "1", gerr.Header.Get("RateLimit-Observed"), "a new window")
	assert.Equal(t, "2", gerr.Header.Get("RateLimit-Remaining"))

	// The log keeps the refused request with its status.
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	assert.Equal(t, []int{200, 200, 200, 429, 404}, statuses)
}

// TestRateLimitIsExactUnderContention sends 200 requests from 32
// goroutines within one window: exactly the limit are served.
func TestRateLimitIsExactUnderContention(t *testing.T) {
	clock := newTestClock()
	srv := integrationstest.NewServerWithClock(clock.now, integrationstest.WithRateLimit(50))
	defer srv.Close()
	srv.AddProject("acme/web")
	c := newClient(t, srv)

	var ok, limited, other atomic.Int32
	var wg sync.WaitGroup
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200/32+1; i++ {
				_, err := c.List(context.Background(), integrations.Project("acme/web"))
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, integrations.ErrRateLimited):
					limited.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 50, ok.Load())
	assert.EqualValues(t, 32*(200/32+1)-50, limited.Load())
	assert.Zero(t, other.Load())
}

// TestRateLimitWithRetries lets the SDK wait out a 429: the clock moves to
// the next window once two requests were seen, so the retry is served.
func TestRateLimitWithRetries(t *testing.T) {
	t0 := newTestClock().now()
	var calls atomic.Int32
	clock := func() time.Time {
		if calls.Add(1) > 2 {
			return t0.Add(time.Second)
		}
		return t0
	}
	srv := integrationstest.NewServerWithClock(clock, integrationstest.WithRateLimit(1))
	defer srv.Close()
	srv.AddProject("acme/web")
	// Retry-After says 1 s, which the SDK honours (the test's one real wait).
	c, err := srv.NewClient(integrations.WithRetries(2, time.Millisecond, 2*time.Second))
	require.NoError(t, err)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		_, err := c.List(ctx, integrations.Project("acme/web"))
		require.NoError(t, err)
	}
	var codes []int
	for _, r := range srv.Requests() {
		codes = append(codes, r.Status)
	}
	assert.Equal(t, []int{200, 429, 200}, codes)
}

func TestFailNext(t *testing.T) {
	srv := newServer(t)
	srv.AddProject("acme/web")
	c := newClient(t, srv)
	ctx := context.Background()

	srv.FailNext(1, http.StatusInternalServerError)
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), slackOptions())
	gitlabError(t, err, http.StatusInternalServerError, "500 Internal Server Error")
	_, err = c.Slack.Get(ctx, integrations.Project("acme/web"))
	assert.ErrorIs(t, err, integrations.ErrIntegrationNotFound, "the failed PUT stored nothing")

	srv.FailNext(1, http.StatusBadGateway)
	_, err = c.List(ctx, integrations.Project("acme/web"))
	var gerr *integrations.Error
	require.ErrorAs(t, err, &gerr)
	assert.Equal(t, http.StatusBadGateway, gerr.StatusCode)
	assert.Contains(t, string(gerr.Body), "<h1>502 Bad Gateway</h1>", "a proxy's HTML page")

	// With retries, the SDK gets through two 503s; the log shows each try.
	retrying, err := srv.NewClient(integrations.WithRetries(3, time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	srv.ResetRequests()
	srv.FailNext(2, http.StatusServiceUnavailable)
	s, err := retrying.Slack.Set(ctx, integrations.Project("acme/web"), slackOptions())
	require.NoError(t, err)
	assert.True(t, s.Active)
	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	for i, want := range []int{503, 503, 200} {
		assert.Equal(t, http.MethodPut, reqs[i].Method)
		assert.Equal(t, want, reqs[i].Status)
		assert.JSONEq(t, string(reqs[2].Body), string(reqs[i].Body), "the body is replayed")
	}

	srv.FailNext(5, 200) // not an error status: taken as 500
	srv.FailNext(0, 500) // cancelled
	_, err = c.List(ctx, integrations.Project("acme/web"))
	require.NoError(t, err)
}

func TestFailEvery(t *testing.T) {
	srv := newServer(t, integrationstest.WithFailEvery(3, http.StatusGatewayTimeout))
	srv.AddProject("acme/web")
	c := newClient(t, srv)
	var codes []int
	for i := 0; i < 7; i++ {
		_, err := c.List(context.Background(), integrations.Project("acme/web"))
		var gerr *integrations.Error
		if errors.As(err, &gerr) {
			codes = append(codes, gerr.StatusCode)
		} else {
			require.NoError(t, err)
			codes = append(codes, 200)
		}
	}
	assert.Equal(t, []int{200, 200, 504, 200, 200, 504, 200}, codes)
}

func TestLatency(t *testing.T) {
	srv := newServer(t, integrationstest.WithLatency(time.Minute))
	srv.AddProject("acme/web")
	c := newClient(t, srv)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.List(ctx, integrations.Project("acme/web"))
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the answer is slower than the caller waits")
	require.Eventually(t, func() bool { return len(srv.Requests()) == 1 }, 10*time.Second, 5*time.Millisecond)
	assert.Zero(t, srv.Requests()[0].Status, "no answer was written")

	srv.SetLatency(0)
	_, err = c.List(context.Background(), integrations.Project("acme/web"))
	require.NoError(t, err)
}

func TestRequestLog(t *testing.T) {
	srv := newServer(t, integrationstest.WithRequestLogLimit(3))
	srv.AddProject("acme/web.site")
	c := newClient(t, srv, integrations.WithUserAgent("my-script/1.0"))
	ctx := context.Background()

	_, err := c.Slack.Set(ctx, integrations.Project("acme/web.site"), slackOptions())
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, http.MethodPut, r.Method)
	assert.Equal(t, "/api/v4/projects/acme%2Fweb%2Esite/integrations/slack", r.Path, "the path as sent, escaped")
	assert.Equal(t, "my-script/1.0", r.Header.Get("User-Agent"))
	assert.Equal(t, "[REDACTED]", r.Header.Get("PRIVATE-TOKEN"))
	assert.NotContains(t, r.Header.Get("PRIVATE-TOKEN"), srv.Token())
	assert.Equal(t, http.StatusOK, r.Status)
	body, err := r.JSON()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"webhook": "https://hooks.slack.com/services/T0/B0/X", "channel": "#deploys"}, body)

	for i := 0; i < 4; i++ {
		_, err := c.List(ctx, integrations.Project("acme/web.site"))
		require.NoError(t, err)
	}
	reqs = srv.Requests()
	require.Len(t, reqs, 3, "the log keeps the most recent requests")
	for _, r := range reqs {
		assert.Equal(t, http.MethodGet, r.Method)
	}

	reqs[0].Header.Set("X-Changed", "1")
	assert.Empty(t, srv.Requests()[0].Header.Get("X-Changed"), "Requests returns copies")
	srv.ResetRequests()
	assert.Empty(t, srv.Requests())
}
