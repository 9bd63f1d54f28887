package integrations

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// connCountingServer answers every request with the Slack integration and
// counts the connections it accepted.
func connCountingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(relSlackAnswer))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// TestFailedCallsLeaveThePoolAlone: 8 goroutines share a Client while a
// ninth makes calls that fail (their context is already cancelled, so they
// send nothing). go-retryablehttp closes the idle connections after every
// failed call; the healthy goroutines must keep reusing their 8
// connections all the same.
func TestFailedCallsLeaveThePoolAlone(t *testing.T) {
	t.Parallel()
	srv, conns := connCountingServer(t)
	const goroutines, perGoroutine = 8, 100
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithMaxConnections(goroutines), WithRetries(1, 0, 0))
	require.NoError(t, err)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	var wg sync.WaitGroup
	var failed atomic.Int64
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := c.Slack.Get(cancelled, ProjectID(1)); err != nil {
				failed.Add(1)
			}
		}
	}()
	var healthy sync.WaitGroup
	for range goroutines {
		healthy.Add(1)
		go func() {
			defer healthy.Done()
			for range perGoroutine {
				_, err := c.Slack.Get(context.Background(), ProjectID(1))
				assert.NoError(t, err)
			}
		}()
	}
	healthy.Wait()
	close(stop)
	wg.Wait()
	require.Positive(t, failed.Load())
	t.Logf("%d calls on %d connections, %d failed calls beside them", goroutines*perGoroutine, conns.Load(), failed.Load())
	assert.LessOrEqual(t, conns.Load(), int64(goroutines), "failed calls emptied the shared pool")
}

// TestFailedCallLeavesDefaultTransportAlone: with WithHTTPClient(&http.Client{})
// the SDK sends through http.DefaultTransport, which unrelated code shares; a
// failed call must not close that code's idle connections. Not parallel:
// httptest.Server.Close of a parallel test closes them too.
func TestFailedCallLeavesDefaultTransportAlone(t *testing.T) {
	unrelated, conns := connCountingServer(t)
	get := func() {
		resp, err := (&http.Client{}).Get(unrelated.URL)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	get()
	gitlab, _ := connCountingServer(t)
	c, err := NewClient(relToken, WithBaseURL(gitlab.URL), WithHTTPClient(&http.Client{}))
	require.NoError(t, err)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for range 3 {
		_, err = c.Slack.Get(cancelled, ProjectID(1))
		require.ErrorIs(t, err, context.Canceled)
	}
	get()
	assert.Equal(t, int64(1), conns.Load(), "the unrelated code's idle connection was closed")
}
