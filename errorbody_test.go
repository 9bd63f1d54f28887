package integrations

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readCountingConn counts the bytes read from a connection into read.
type readCountingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c readCountingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// hugeErrorServer answers every request with status and a body of 2 GiB,
// declared in Content-Length or (chunked) not, written until the client
// goes away.
func hugeErrorServer(t *testing.T, status int, declared bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var requests atomic.Int64
	chunk := bytes.Repeat([]byte(`{"message":"`), 32<<10/12)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if declared {
			w.Header().Set("Content-Length", strconv.Itoa(2<<30))
		}
		w.WriteHeader(status)
		for sent := 0; sent < 2<<30; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return // the client closed the connection
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

// TestHostileErrorAnswersAreReadWithinABound: three retried 503 answers of
// 2 GiB each. The SDK reads at most maxErrorBody (64 KiB) of each, once,
// closes the rest unread, and allocates at most twice what it read from the
// network. Before the fix, it read 8 MiB of each (24 MiB in all from the
// network) and allocated 255 MiB, 10.6 times as much; now about 200 KiB
// and 1.3 times.
func TestHostileErrorAnswersAreReadWithinABound(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	for _, declared := range []bool{true, false} {
		name := map[bool]string{true: "Content-Length 2 GiB", false: "chunked"}[declared]
		srv, requests := hugeErrorServer(t, http.StatusServiceUnavailable, declared)
		var read atomic.Int64
		dialer := &net.Dialer{}
		transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return readCountingConn{Conn: conn, read: &read}, nil
		}}
		t.Cleanup(transport.CloseIdleConnections)
		const attempts = 3
		c, err := NewClient(relToken, WithBaseURL(srv.URL), WithRetries(attempts-1, time.Millisecond, time.Millisecond),
			WithHTTPClient(&http.Client{Transport: transport}))
		require.NoError(t, err)

		// A first call, not measured, for what a process pays once: the
		// first request's buffers in net/http's pools, the SDK's own.
		_, err = c.Slack.Get(context.Background(), ProjectID(1))
		require.Error(t, err)
		requests.Store(0)
		read.Store(0)

		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err = c.Slack.Get(context.Background(), ProjectID(1))
		runtime.ReadMemStats(&after)

		var e *Error
		require.True(t, errors.As(err, &e), "%s: %v", name, err)
		assert.Equal(t, http.StatusServiceUnavailable, e.StatusCode, name)
		assert.Equal(t, maxErrorBody, len(e.Body), "%s: the error keeps the first 64 KiB of the body", name)
		require.EqualValues(t, attempts, requests.Load(), name)

		allocated := int64(after.TotalAlloc - before.TotalAlloc)
		t.Logf("%s: %d attempts read %d KiB from the network and allocated %d KiB (%.2f times)",
			name, attempts, read.Load()>>10, allocated>>10, float64(allocated)/float64(read.Load()))
		assert.LessOrEqual(t, read.Load(), int64(attempts*(maxErrorBody+16<<10)),
			"%s: each attempt reads 64 KiB of the body, and its header", name)
		assert.LessOrEqual(t, allocated, 2*read.Load(), "%s: allocated more than twice the bytes read", name)
	}
}
