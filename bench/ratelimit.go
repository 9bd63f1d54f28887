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

// Ideal is the shortest achievable wall time. The run starts at the start
// of one of the server's one-second windows, so the first PerSecond calls
// go at once, the next at the start of the second window, and the last
// batch at the start of window ceil(Calls / PerSecond): a perfect client
// finishes one window short of Calls / PerSecond seconds (9 s, not 10, for
// 2,000 calls at 200 a second), plus the time of its last calls. 0 when
// every call fits in the first window.
func (r RateLimitResult) Ideal() time.Duration {
	windows := (r.Calls + r.PerSecond - 1) / r.PerSecond
	return time.Duration(windows-1) * time.Second
}

// Ratio is the wall time against the ideal, 0 when the ideal is 0.
func (r RateLimitResult) Ratio() float64 {
	if r.Ideal() <= 0 {
		return 0
	}
	return r.Elapsed.Seconds() / r.Ideal().Seconds()
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
