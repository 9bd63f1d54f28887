package integrations

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoMoreConnectionsThanGoroutines: on 32 goroutines, without
// WithMaxConnections, a Client opens no more connections than goroutines,
// even when dials are slow (a busy machine), the case where net/http's
// dial for a request another connection served first ends up idle.
func TestNoMoreConnectionsThanGoroutines(t *testing.T) {
	srv, conns := connCountingServer(t)
	c, err := NewClient(relToken, WithBaseURL(srv.URL))
	require.NoError(t, err)
	gate := c.http.Transport.(answerReader).gate
	require.NotNil(t, gate)
	dial := gate.Dial
	var n atomic.Int32
	gate.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		// Dials on a busy machine: some quick, most slow, so that
		// connections free up while requests still wait for theirs.
		if n.Add(1)%4 != 1 {
			time.Sleep(30 * time.Millisecond)
		}
		return dial(ctx, network, addr)
	}
	const goroutines, calls = 32, 2000
	var next atomic.Int32
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= calls {
				_, err := c.Slack.Get(context.Background(), Project("acme/web"))
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, conns.Load(), int64(goroutines))
}

// countingConn counts the writes to a connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int32
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestSetIsOneWrite: a Set's header and body go to the socket in one write
// (net/http flushes the header first for a body it does not know to be in
// memory: two system calls a request).
func TestSetIsOneWrite(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":1,"slug":"slack"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(relToken, WithBaseURL(srv.URL))
	require.NoError(t, err)
	gate := c.http.Transport.(answerReader).gate
	var writes atomic.Int32
	dial := gate.Dial
	gate.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{conn, &writes}, nil
	}
	opts := &SlackOptions{Webhook: "https://hooks.slack.com/services/T/B/X", Channel: Ptr("#deploys")}
	for range 3 {
		_, err = c.Slack.Set(context.Background(), Project("acme/web"), opts)
		require.NoError(t, err)
	}
	assert.Equal(t, int32(3), writes.Load(), "one write a request")
}
