package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

// FleetResult is one fleet plan or apply over many projects against the
// in-memory GitLab limited to PerSecond requests a second.
type FleetResult struct {
	// Phase is "apply" (3 integrations created on each project) or "plan"
	// (the plan right after, which finds nothing to change).
	Phase     string
	Projects  int
	PerSecond int
	Elapsed   time.Duration
	// Requests is every request the server received, 429s included;
	// TooMany those it answered 429.
	Requests, TooMany int64
	// Failed counts failed changes (apply) or is 1 when the plan failed.
	Failed int
	// Changes is what the plan found to change.
	Changes int
	// PeakHeap is the most heap in use seen during the phase, less the heap
	// in use when it started (the in-memory GitLab's projects and the
	// spec): what the plan or apply itself held at most.
	PeakHeap uint64
}

// Ideal is the shortest wall time the server's limit allows.
func (r FleetResult) Ideal() time.Duration {
	return time.Duration(float64(r.Requests-r.TooMany) / float64(r.PerSecond) * float64(time.Second))
}

// fleetSpec wants three integrations on every project of the group
// "bench" (one projects_in target).
func fleetSpec() *fleet.Spec {
	return &fleet.Spec{Version: 1, Targets: []fleet.Target{{ProjectsIn: "bench", Integrations: map[string]fleet.Desired{
		"slack":          {Params: map[string]any{"webhook": "${env:SLACK_WEBHOOK}", "channel": "#deploys", "pipeline_events": true, "push_events": false}},
		"emails-on-push": {Params: map[string]any{"recipients": "dev@example.com, ops@example.com"}},
		"jira":           {Params: map[string]any{"url": "https://jira.example.com", "password": "${env:JIRA_PASSWORD}", "project_keys": []string{"WEB"}}},
	}}}}
}

func fleetEnv(k string) (string, bool) {
	switch k {
	case "SLACK_WEBHOOK":
		return slackWebhook, true
	case "JIRA_PASSWORD":
		return "jira-secret", true
	}
	return "", false
}

// MeasureFleet sets up n projects in the group "bench" of a rate-limited
// in-memory GitLab, applies a spec of three integrations on each
// (measured), then plans the same spec again (measured: it must find no
// change; it lists the group's projects, 100 a page, then reads each). The client uses
// fleet's default concurrency of 8 and the adaptive rate limit (following
// GitLab's RateLimit-* headers), plus opts.
func MeasureFleet(ctx context.Context, n, perSecond int, opts ...integrations.ClientOption) ([]FleetResult, error) {
	srv, err := newCountingServer(n, integrationstest.WithRateLimit(perSecond))
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	c, err := integrations.NewClient(Token, append([]integrations.ClientOption{integrations.WithBaseURL(srv.URL()), integrations.WithAdaptiveRateLimit()}, opts...)...)
	if err != nil {
		return nil, err
	}
	if srv.gitlab.AddGroup("bench") == 0 {
		return nil, fmt.Errorf("integrationstest refused the group bench")
	}
	spec := fleetSpec()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	// The first plan (a List per project) is not measured.
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: fleetEnv})
	if err != nil {
		return nil, err
	}
	var out []FleetResult
	r := measureFleetPhase(srv, "apply", n, perSecond, func() (int, int, error) {
		res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: fleetEnv})
		if err != nil {
			return 0, 0, err
		}
		return res.Failed(), p.Summary.Create + p.Summary.Update, nil
	})
	out = append(out, r)
	r = measureFleetPhase(srv, "plan", n, perSecond, func() (int, int, error) {
		p2, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: fleetEnv})
		if err != nil {
			return 1, 0, err
		}
		s := p2.Summary
		return 0, s.Create + s.Update + s.Disable + s.Inherit, nil
	})
	out = append(out, r)
	for _, r := range out {
		if r.Failed > 0 {
			return out, fmt.Errorf("fleet %s: %d failed", r.Phase, r.Failed)
		}
	}
	return out, nil
}

// measureFleetPhase runs one phase from the start of the server's window,
// sampling the heap in use every 5 ms.
func measureFleetPhase(srv *countingServer, phase string, n, perSecond int, run func() (failed, changes int, err error)) FleetResult {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	srv.reset()
	start := time.Now()
	failed, changes, err := run()
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	if err != nil && failed == 0 {
		failed = 1
	}
	r := FleetResult{Phase: phase, Projects: n, PerSecond: perSecond, Elapsed: elapsed,
		Requests: srv.requests.Load(), TooMany: srv.tooMany.Load(), Failed: failed, Changes: changes}
	if p := peak.Load(); p > base {
		r.PeakHeap = p - base
	}
	return r
}
