package bench

import (
	"context"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// RateLimitResult is one run of many Set calls against a GitLab that allows
// a fixed number of requests a second.
type RateLimitResult struct {
	// Name says which SDK configuration ran.
	Name       string
	Calls      int
	Goroutines int
	PerSecond  int
	Elapsed    time.Duration
	// Requests is every request the server received, retries included;
	// TooMany those it answered 429.
	Requests, TooMany int64
	// Failed counts calls that returned an error; Err is the first.
	Failed int64
	Err    error
}

// Ideal is the shortest possible wall time: calls at the allowed rate.
func (r RateLimitResult) Ideal() time.Duration {
	return time.Duration(float64(r.Calls) / float64(r.PerSecond) * float64(time.Second))
}

// MeasureRateLimit makes calls Slack Set calls (each on its own project)
// from goroutines goroutines through one SDK client, against the in-memory
// GitLab limited to perSecond requests a second, and counts what it took.
// opts configure the client (such as integrations.WithAdaptiveRateLimit);
// the retry policy is the default one.
func MeasureRateLimit(ctx context.Context, name string, calls, goroutines, perSecond int, opts ...integrations.ClientOption) (RateLimitResult, error) {
	srv, err := newCountingServer(calls, integrationstest.WithRateLimit(perSecond))
	if err != nil {
		return RateLimitResult{}, err
	}
	defer srv.Close()
	c, err := NewSDK(srv.URL(), nil, opts...)
	if err != nil {
		return RateLimitResult{}, err
	}
	// Start at the beginning of the server's one-second window, so that
	// every run sees the same windows.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	srv.reset()
	elapsed, failed, firstErr := runCalls(ctx, c.SlackSet, calls, goroutines)
	return RateLimitResult{
		Name: name, Calls: calls, Goroutines: goroutines, PerSecond: perSecond,
		Elapsed: elapsed, Requests: srv.requests.Load(), TooMany: srv.tooMany.Load(),
		Failed: failed, Err: firstErr,
	}, nil
}
