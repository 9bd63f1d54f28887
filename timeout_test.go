package integrations

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabkit/integrations/internal/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultRequestTimeout: the SDK's own transport bounds each request to
// 2 minutes, its answer's body included (a server that sends the header and
// then stalls) and a server that never answers; WithHTTPClient leaves the
// bound to the caller's client.
func TestDefaultRequestTimeout(t *testing.T) {
	t.Parallel()
	c, err := NewClient(relToken)
	require.NoError(t, err)
	own := c.http.Transport.(answerReader)
	assert.Equal(t, 2*time.Minute, own.timeout)
	assert.Zero(t, c.http.Timeout, "the bound is the transport's")
	tr := own.next.(*http.Transport)
	assert.Equal(t, 2*time.Minute, tr.ResponseHeaderTimeout, "over HTTPS, HTTP/2 requests share connections")
	assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 1024, "idle connections kept for any script's goroutines")
	plain, err := NewClient(relToken, WithBaseURL("http://gitlab.internal"), WithInsecureHTTP())
	require.NoError(t, err)
	assert.Zero(t, plain.http.Transport.(answerReader).next.(*http.Transport).ResponseHeaderTimeout,
		"HTTP/1.1 only: each connection's deadline is the bound (the cases below run over http://)")

	mine := &http.Client{Timeout: 5 * time.Second}
	c, err = NewClient(relToken, WithHTTPClient(mine))
	require.NoError(t, err)
	assert.Zero(t, c.http.Transport.(answerReader).timeout)
	assert.Equal(t, 5*time.Second, c.http.Timeout, "the caller's Timeout applies")

	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stall := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	const bound = 100 * time.Millisecond
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"a stalled body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(`{"id":1,`))
			w.(http.Flusher).Flush()
			stall(w, r)
		}},
		{"no answer at all", stall},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			u, err := url.Parse(srv.URL)
			require.NoError(t, err)
			tr, gate := transport.New(u, 0, bound)
			hc := &http.Client{Transport: answerReader{next: tr, timeout: bound, gate: gate}}
			req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
			require.NoError(t, err)
			start := time.Now()
			_, err = hc.Do(req)
			require.Error(t, err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Less(t, time.Since(start), time.Second, "returns at the bound instead of hanging")
		})
	}
}

// TestRequestTimeoutIsNotRetried: a request that reached the bound is not
// sent again (the server did not answer it; it would not answer a retry),
// so a call fails within one bound, not one per attempt.
func TestRequestTimeoutIsNotRetried(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithRetries(4, time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	c.requestBound = 100 * time.Millisecond
	c.http = c.newHTTPClient()
	start := time.Now()
	_, err = c.Slack.Get(context.Background(), Project("acme/web"))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "within 100ms of sending the request")
	assert.Equal(t, int32(1), hits.Load(), "not retried")
	assert.Less(t, time.Since(start), 2*time.Second)
}

// TestBoundedConnectionIsReused: the deadline each request sets does not
// stop a connection from serving the next request.
func TestBoundedConnectionIsReused(t *testing.T) {
	t.Parallel()
	srv, conns := connCountingServer(t)
	c, err := NewClient(relToken, WithBaseURL(srv.URL))
	require.NoError(t, err)
	c.requestBound = 200 * time.Millisecond
	c.http = c.newHTTPClient()
	for range 3 {
		_, err := c.Slack.Get(context.Background(), Project("acme/web"))
		require.NoError(t, err)
		time.Sleep(120 * time.Millisecond) // past the first request's bound, across the three
	}
	assert.Equal(t, int64(1), conns.Load(), "one connection for the three calls")
}
