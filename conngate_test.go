package integrations

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	dial := gate.dial
	var n atomic.Int32
	gate.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
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

// TestConnGateHoldsSurplusDials: a dial while every request in flight has
// a connection is held; it goes ahead when requests outnumber the
// connections, and is dropped, without dialling, when they do not in time.
// A host the gate has no request for is never held.
func TestConnGateHoldsSurplusDials(t *testing.T) {
	base, _ := url.Parse("https://gitlab.example.com")
	var dials atomic.Int32
	g := newConnGate(base, func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		c1, c2 := net.Pipe()
		t.Cleanup(func() { _ = c1.Close(); _ = c2.Close() })
		return c1, nil
	}, time.Minute)
	g.surplusWait = 50 * time.Millisecond
	ctx := context.Background()

	key := g.begin(base)
	assert.Equal(t, "gitlab.example.com:443", key)
	first, err := g.dialContext(ctx, "tcp", key)
	require.NoError(t, err, "the first request needs a connection")

	// One request, one connection: a second dial is surplus.
	start := time.Now()
	_, err = g.dialContext(ctx, "tcp", key)
	assert.ErrorIs(t, err, errSurplusDial)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "held first")
	assert.Equal(t, int32(1), dials.Load(), "dropped without dialling")

	// A second request arrives while the dial is held: it goes ahead.
	done := make(chan error, 1)
	g.surplusWait = time.Minute
	go func() {
		_, err := g.dialContext(ctx, "tcp", key)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	g.begin(base)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the held dial did not go ahead")
	}
	assert.Equal(t, int32(2), dials.Load())

	// A closed connection frees room for a dial.
	require.NoError(t, first.Close())
	require.NoError(t, first.Close(), "closing twice counts once")
	_, err = g.dialContext(ctx, "tcp", key)
	require.NoError(t, err)
	g.end(key)
	g.end(key)

	// A proxy, or any address no request named, is dialled at once.
	_, err = g.dialContext(ctx, "tcp", "proxy.example.com:3128")
	require.NoError(t, err)
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
	dial := gate.dial
	gate.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
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
