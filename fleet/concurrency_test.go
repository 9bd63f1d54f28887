package fleet_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inFlight counts the requests a client has in flight, and the most seen.
type inFlight struct {
	now, most atomic.Int64
}

func (f *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	n := f.now.Add(1)
	defer f.now.Add(-1)
	for m := f.most.Load(); n > m && !f.most.CompareAndSwap(m, n); m = f.most.Load() {
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestConcurrencyIsBounded(t *testing.T) {
	srv := integrationstest.NewServer(integrationstest.WithLatency(5 * time.Millisecond))
	defer srv.Close()
	var f inFlight
	c, err := srv.NewClient(integrations.WithHTTPClient(&http.Client{Transport: &f}))
	require.NoError(t, err)
	spec := &fleet.Spec{Version: 1}
	for i := range 24 {
		path := fmt.Sprintf("acme/p%02d", i)
		srv.AddProject(path)
		spec.Targets = append(spec.Targets, fleet.Target{Project: path, Integrations: map[string]fleet.Desired{"emails-on-push": {Params: map[string]any{"recipients": "a@example.com"}}}})
	}
	ctx := context.Background()
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{Concurrency: 3})
	require.NoError(t, err)
	assert.LessOrEqual(t, f.most.Load(), int64(3))
	assert.Greater(t, f.most.Load(), int64(1))
	f.most.Store(0)
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{})
	require.NoError(t, err)
	assert.Equal(t, 0, res.Failed())
	assert.Len(t, res.Results, 24)
	// The default is 8.
	assert.LessOrEqual(t, f.most.Load(), int64(8))
	assert.Greater(t, f.most.Load(), int64(3))
}
