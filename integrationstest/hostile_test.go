package integrationstest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestRequestLogIsBoundedInBytes: 200 unauthenticated 1 MiB PUTs must not
// keep 200 MiB alive in the request log. Each body is kept up to 64 KiB,
// and the log as a whole stays within its byte bound. Not parallel: it
// measures the heap.
func TestRequestLogIsBoundedInBytes(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	body := bytes.Repeat([]byte("x"), 1<<20)
	before := heapInUse()
	for range 200 {
		req, err := http.NewRequest(http.MethodPut, srv.APIURL()+"/projects/1/integrations/slack", bytes.NewReader(body))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	grown := int64(heapInUse()) - int64(before)
	t.Logf("after 200 PUTs of 1 MiB: the heap grew %.1f MiB, the log counts %.1f MiB", float64(grown)/(1<<20), float64(srv.LogBytes())/(1<<20))
	assert.Less(t, grown, int64(40<<20), "the log keeps the bodies")
	reqs := srv.Requests()
	require.Len(t, reqs, 200)
	assert.Equal(t, 64<<10, len(reqs[0].Body), "a body is kept up to 64 KiB")
	assert.Equal(t, 1<<20, reqs[0].BodySize, "and its full size is known")
	runtime.KeepAlive(srv)

	// The byte bound drops the oldest requests first.
	small := integrationstest.NewServer(integrationstest.WithRequestLogBytes(1 << 20))
	defer small.Close()
	for i := range 100 {
		req, err := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/projects/%d/integrations/slack", small.APIURL(), i+1), bytes.NewReader(body[:60<<10]))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
	assert.LessOrEqual(t, small.LogBytes(), 1<<20)
	kept := small.Requests()
	require.NotEmpty(t, kept)
	assert.Less(t, len(kept), 100)
	assert.Equal(t, "/api/v4/projects/100/integrations/slack", kept[len(kept)-1].Path, "the newest request is kept")
}

// TestStalledUploadIsDropped: a client that sends a header and part of a
// body, then nothing, loses its connection after the read timeout instead
// of holding it forever.
func TestStalledUploadIsDropped(t *testing.T) {
	t.Parallel()
	srv := integrationstest.NewServer(integrationstest.WithReadTimeout(200 * time.Millisecond))
	defer srv.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "PUT /api/v4/projects/1/integrations/slack HTTP/1.1\r\nHost: gitlab\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"webhook\":")
	require.NoError(t, err)
	start := time.Now()
	// Safety net only: without a read timeout, this read waits for it.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = io.Copy(io.Discard, bufio.NewReader(conn))
	took := time.Since(start)
	require.NoError(t, err, "the server closed the connection (io.Copy stops at EOF)")
	t.Logf("the stalled upload was dropped after %s", took.Round(time.Millisecond))
	assert.Less(t, took, 2*time.Second)

	// The timeout is the request's reading, not its answer: a slow answer
	// (WithLatency) longer than the read timeout still arrives.
	slow := integrationstest.NewServer(integrationstest.WithReadTimeout(50*time.Millisecond), integrationstest.WithLatency(200*time.Millisecond))
	defer slow.Close()
	c, err := slow.NewClient()
	require.NoError(t, err)
	slow.AddProject("acme/web")
	_, err = c.List(context.Background(), integrations.Project("acme/web"))
	require.NoError(t, err)
	assert.Len(t, slow.Requests(), 1, "answered the first time, not after a retry")
}

// TestServerNeverPrintsItsToken: printing a *Server with fmt, whatever the
// verb, shows its URL and not its tokens.
func TestServerNeverPrintsItsToken(t *testing.T) {
	t.Parallel()
	srv := integrationstest.NewServer(integrationstest.WithToken("glpat-TESTSERVER-s3cret"))
	defer srv.Close()
	other := srv.IssueToken(integrationstest.Developer)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out := fmt.Sprintf(verb, srv)
		assert.NotContains(t, out, "s3cret", verb)
		assert.NotContains(t, out, other, verb)
		assert.NotContains(t, out, fmt.Sprintf("%x", srv.Token()), verb)
	}
	wrapped := fmt.Sprintf("%+v", struct{ S *integrationstest.Server }{srv})
	assert.NotContains(t, wrapped, "s3cret")
	assert.Contains(t, fmt.Sprint(srv), srv.URL())
	assert.Contains(t, fmt.Sprint(srv), "[redacted]")
}
