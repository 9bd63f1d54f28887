package integrations_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// hammer runs total List calls on 8 goroutines sharing c, and returns how
// many of the requests the server received it answered 429.
func hammer(t *testing.T, srv *integrationstest.Server, c *integrations.Client, id int64, total int) (requests, tooMany int) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(total) {
				_, _ = c.List(context.Background(), integrations.ProjectID(id))
			}
		}()
	}
	wg.Wait()
	for _, r := range srv.Requests() {
		if r.Status == 429 {
			tooMany++
		}
	}
	return len(srv.Requests()), tooMany
}

// TestAdaptiveRateLimitAvoids429 runs 150 requests on 8 goroutines against
// a GitLab that allows 50 a second: with WithAdaptiveRateLimit, under 1% of
// them are answered 429 (in practice none); without it, many are.
func TestAdaptiveRateLimitAvoids429(t *testing.T) {
	t.Parallel()
	const limit, total = 50, 150

	srv := integrationstest.NewServer(integrationstest.WithRateLimit(limit))
	t.Cleanup(srv.Close)
	id := srv.AddProject("acme/web")
	c, err := srv.NewClient(integrations.WithAdaptiveRateLimit(), integrations.WithRetries(5, time.Millisecond, 3*time.Second))
	require.NoError(t, err)
	requests, tooMany := hammer(t, srv, c, id, total)
	assert.LessOrEqual(t, tooMany*100, requests, "%d of %d requests answered 429", tooMany, requests)
	t.Logf("adaptive: %d requests, %d answered 429", requests, tooMany)

	// The same load without the limiter, retries off, is mostly refused:
	// the test above can fail.
	plain := integrationstest.NewServer(integrationstest.WithRateLimit(limit))
	t.Cleanup(plain.Close)
	id = plain.AddProject("acme/web")
	c, err = plain.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)
	requests, tooMany = hammer(t, plain, c, id, total)
	assert.Greater(t, tooMany, total/10, "without the limiter %d of %d requests answered 429", tooMany, requests)
}
