package integrations

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultRequestTimeout: the SDK's own transport bounds each request to
// 2 minutes, its answer's body included (a server that sends the header and
// then stalls); WithHTTPClient leaves the bound to the caller's client.
func TestDefaultRequestTimeout(t *testing.T) {
	t.Parallel()
	c, err := NewClient(relToken)
	require.NoError(t, err)
	own := c.http.Transport.(answerReader)
	assert.Equal(t, 2*time.Minute, own.timeout)
	assert.Zero(t, c.http.Timeout, "the bound is the transport's")

	mine := &http.Client{Timeout: 5 * time.Second}
	c, err = NewClient(relToken, WithHTTPClient(mine))
	require.NoError(t, err)
	assert.Zero(t, c.http.Transport.(answerReader).timeout)
	assert.Equal(t, 5*time.Second, c.http.Timeout, "the caller's Timeout applies")

	// The bound covers the body: a stalled body ends at the timeout.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte(`{"id":1,`))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	hc := &http.Client{Transport: answerReader{next: http.DefaultTransport, timeout: 100 * time.Millisecond}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = hc.Do(req)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second, "returns at the timeout instead of hanging")
}
