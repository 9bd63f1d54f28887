package bench

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gitlabkit/integrations"
)

// ConcurrencyResult is one contender at one concurrency: Calls Slack Set
// calls, each on its own project, from Goroutines goroutines sharing one
// client, against the in-memory GitLab on loopback.
type ConcurrencyResult struct {
	Contender  string
	Goroutines int
	Calls      int
	// Elapsed is the median over the rounds.
	Elapsed time.Duration
	// Conns is the number of TCP connections the client opened, the most
	// of any round (each round starts with a new client); ConnsPerRound
	// has every round's.
	Conns         int64
	ConnsPerRound []int64
	// Made is every call made, over every round (runs repeat their calls
	// to last long enough).
	Made int64
	// Failed counts calls that returned an error, over every round.
	Failed int64
	// Err is the first error, if any call failed.
	Err error
}

// OpsPerSec is the throughput: calls a second.
func (r ConcurrencyResult) OpsPerSec() float64 { return float64(r.Calls) / r.Elapsed.Seconds() }

// MeasureConcurrency runs calls Slack Set calls for every contender (the
// floor, the SDK, client-go, each with its default HTTP client settings)
// at each number of goroutines, rounds times, alternating contenders so
// that a slower moment of the machine hits them all. Each run repeats its
// calls with the same client until it has lasted at least minDuration, so
// that the throughput is measured over more than the few hundred
// milliseconds 2,000 calls take; its connections are counted over the
// whole run.
func MeasureConcurrency(ctx context.Context, calls, rounds int, goroutines []int, minDuration time.Duration) ([]ConcurrencyResult, error) {
	srv, err := newCountingServer(calls)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	names := []string{Floor, SDK, SDKCapped, ClientGo}
	type key struct {
		name string
		g    int
	}
	results := map[key]*ConcurrencyResult{}
	elapsed := map[key][]time.Duration{}
	for range rounds {
		for _, g := range goroutines {
			for _, name := range names {
				c, err := newLoopbackContender(name, srv.URL(), g)
				if err != nil {
					return nil, err
				}
				srv.reset()
				var (
					d, failed, firstErr = runCalls(ctx, c.SlackSet, calls, g)
					made                = calls
				)
				for d < minDuration && failed == 0 {
					more, f, err := runCalls(ctx, c.SlackSet, calls, g)
					d, failed, firstErr, made = d+more, failed+f, err, made+calls
				}
				// Throughput is kept as the time 'calls' calls took.
				d = time.Duration(float64(d) * float64(calls) / float64(made))
				k := key{name, g}
				r := results[k]
				if r == nil {
					r = &ConcurrencyResult{Contender: name, Goroutines: g, Calls: calls}
					results[k] = r
				}
				r.Made += int64(made)
				conns := srv.conns.Load()
				r.Conns = max(r.Conns, conns)
				r.ConnsPerRound = append(r.ConnsPerRound, conns)
				r.Failed += failed
				if r.Err == nil {
					r.Err = firstErr
				}
				elapsed[k] = append(elapsed[k], d)
			}
		}
	}
	var out []ConcurrencyResult
	for _, g := range goroutines {
		for _, name := range names {
			k := key{name, g}
			r := results[k]
			r.Elapsed = median(elapsed[k])
			out = append(out, *r)
		}
	}
	return out, nil
}

// newLoopbackContender builds a contender as a user would for a real
// server: the SDK and client-go with their own default HTTP clients, the
// floor with the SDK's settings (FloorHTTPClient); SDKCapped adds
// WithMaxConnections(goroutines), as a script that knows its concurrency.
func newLoopbackContender(name, url string, goroutines int) (*Contender, error) {
	switch name {
	case Floor:
		return NewFloor(url, FloorHTTPClient()), nil
	case SDK:
		return NewSDK(url, nil)
	case SDKCapped:
		c, err := NewSDK(url, nil, integrations.WithMaxConnections(goroutines))
		if err == nil {
			c.Name = SDKCapped
		}
		return c, err
	case ClientGo:
		return NewClientGo(url, nil)
	}
	return nil, errors.New("unknown contender " + name)
}

// runCalls makes calls calls of call from goroutines goroutines, each on
// its own project, and returns the wall time they took.
func runCalls(ctx context.Context, call func(context.Context, string) error, calls, goroutines int) (elapsed time.Duration, failed int64, firstErr error) {
	var (
		next    atomic.Int64
		nFailed atomic.Int64
		errOnce sync.Once
		wg      sync.WaitGroup
	)
	start := time.Now()
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(calls) {
					return
				}
				if err := call(ctx, projectName(int(i))); err != nil {
					nFailed.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), nFailed.Load(), firstErr
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
