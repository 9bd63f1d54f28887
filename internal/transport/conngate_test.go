package transport

import (
	"context"
	"net"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConnGateHoldsSurplusDials: a dial while every request in flight has
// a connection is held; it goes ahead when requests outnumber the
// connections, and is dropped, without dialling, when they do not in time.
// A host the gate has no request for is never held.
func TestConnGateHoldsSurplusDials(t *testing.T) {
	base, _ := url.Parse("https://gitlab.example.com")
	var dials atomic.Int32
	g := NewConnGate(base, func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		c1, c2 := net.Pipe()
		t.Cleanup(func() { _ = c1.Close(); _ = c2.Close() })
		return c1, nil
	}, time.Minute)
	g.SurplusWait = 50 * time.Millisecond
	ctx := context.Background()

	key := g.Begin(base)
	assert.Equal(t, "gitlab.example.com:443", key)
	first, err := g.DialContext(ctx, "tcp", key)
	require.NoError(t, err, "the first request needs a connection")

	// One request, one connection: a second dial is surplus.
	start := time.Now()
	_, err = g.DialContext(ctx, "tcp", key)
	assert.ErrorIs(t, err, ErrSurplusDial)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "held first")
	assert.Equal(t, int32(1), dials.Load(), "dropped without dialling")

	// A second request arrives while the dial is held: it goes ahead.
	done := make(chan error, 1)
	g.SurplusWait = time.Minute
	go func() {
		_, err := g.DialContext(ctx, "tcp", key)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	g.Begin(base)
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
	_, err = g.DialContext(ctx, "tcp", key)
	require.NoError(t, err)
	g.End(key)
	g.End(key)

	// A proxy, or any address no request named, is dialled at once.
	_, err = g.DialContext(ctx, "tcp", "proxy.example.com:3128")
	require.NoError(t, err)
}
