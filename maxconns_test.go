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

// TestMaxConnectionsCapsConnections: 16 goroutines share a Client capped at
// 4 connections, against a server slow enough that they all wait on it at
// once (without the cap the transport would open about 16): the server
// never sees a fifth connection, and every call succeeds.
func TestMaxConnectionsCapsConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	const goroutines, maxConns, calls = 16, 4, 400
	c, err := NewClient("token", WithBaseURL(srv.URL), WithMaxConnections(maxConns))
	require.NoError(t, err)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= calls {
				_, err := c.List(context.Background(), ProjectID(1))
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, conns.Load(), int64(maxConns))
	assert.Positive(t, conns.Load())
}

func TestMaxConnectionsRefusesBadUse(t *testing.T) {
	t.Parallel()
	_, err := NewClient("token", WithMaxConnections(0))
	assert.ErrorContains(t, err, "WithMaxConnections(0): need at least 1")
	_, err = NewClient("token", WithMaxConnections(4), WithHTTPClient(&http.Client{}))
	assert.ErrorContains(t, err, "set MaxConnsPerHost on your client's transport")
}
