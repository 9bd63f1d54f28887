package bench

import (
	"context"
	"flag"
	"testing"

	"github.com/gitlabkit/integrations"
)

var (
	fleetN      = flag.Int("fleet.n", 200, "projects in the fleet benchmarks (the recorded run uses 10000)")
	fleetRate   = flag.Int("fleet.rate", 2000, "requests a second the in-memory GitLab allows in the fleet benchmarks")
	fleetBucket = flag.Bool("fleet.bucket", false, "fleet benchmarks: add a client-side token bucket at the server's rate (WithRateLimit(rate, 8))")
)

// BenchmarkFleetPlan10k plans 3 integrations on each of -fleet.n projects
// (10,000 for the recorded run) right after applying them, against the
// in-memory GitLab limited to -fleet.rate requests a second:
//
//	go test -run '^$' -bench Fleet -benchtime 1x -fleet.n 10000 -fleet.rate 2000
//
// It reports the requests sent, the wall time over requests/rate, and the
// peak heap the plan held; BenchmarkFleetApply10k reports the same for the
// apply before it.
func BenchmarkFleetPlan10k(b *testing.B) { benchFleet(b, "plan") }

// BenchmarkFleetApply10k applies 3 integrations on each of -fleet.n
// projects; see BenchmarkFleetPlan10k.
func BenchmarkFleetApply10k(b *testing.B) { benchFleet(b, "apply") }

// fleetRuns keeps the last measurement, so that the plan and apply
// benchmarks of one -benchtime 1x run share one apply-then-plan run.
var fleetRuns struct {
	n, rate int
	rs      []FleetResult
	used    map[string]bool
}

func benchFleet(b *testing.B, phase string) {
	for range b.N {
		b.StopTimer()
		rs := fleetRuns.rs
		if fleetRuns.n != *fleetN || fleetRuns.rate != *fleetRate || fleetRuns.used[phase] {
			var err error
			var opts []integrations.ClientOption
			if *fleetBucket {
				opts = append(opts, integrations.WithRateLimit(float64(*fleetRate), 8))
			}
			if rs, err = MeasureFleet(context.Background(), *fleetN, *fleetRate, opts...); err != nil {
				b.Fatal(err)
			}
			fleetRuns.n, fleetRuns.rate, fleetRuns.rs, fleetRuns.used = *fleetN, *fleetRate, rs, map[string]bool{}
		}
		fleetRuns.used[phase] = true
		for _, r := range rs {
			if r.Phase != phase {
				continue
			}
			if phase == "plan" && r.Changes != 0 {
				b.Fatalf("the plan after apply found %d changes", r.Changes)
			}
			b.ReportMetric(float64(r.Requests), "requests")
			b.ReportMetric(float64(r.Requests)/float64(r.Projects), "requests/project")
			b.ReportMetric(float64(r.TooMany), "429s")
			b.ReportMetric(r.Elapsed.Seconds(), "wall-s")
			b.ReportMetric(r.Elapsed.Seconds()/r.Ideal().Seconds(), "wall/ideal")
			b.ReportMetric(float64(r.PeakHeap)/(1<<20), "peak-heap-MiB")
		}
	}
}

func TestFleetSmall(t *testing.T) {
	rs, err := MeasureFleet(context.Background(), 20, 100000)
	if err != nil {
		t.Fatal(err)
	}
	// 3 PUTs a project to apply; the group's projects (one page), then a
	// List and 3 Gets a project to plan.
	if rs[0].Requests != 60 || rs[1].Requests != 81 || rs[1].Changes != 0 {
		t.Fatalf("apply %d requests, plan %d requests and %d changes; want 60, 81, 0", rs[0].Requests, rs[1].Requests, rs[1].Changes)
	}
}

var (
	memN       = flag.Int("fleetmem.n", 0, "projects of TestFleetMemory (0: skip it; the target is measured at 100000)")
	memProfile = flag.String("fleetmem.profile", "", "directory for TestFleetMemory's heap profiles, one a phase")
)

// TestFleetMemory measures the client's heap in each phase of a plan and
// apply of -fleetmem.n projects × 3 integrations, the in-memory GitLab in a
// child process:
//
//	go test -run TestFleetMemory -fleetmem.n 100000 -fleetmem.profile /tmp/prof -v
func TestFleetMemory(t *testing.T) {
	if *memN == 0 {
		t.Skip("-fleetmem.n not set")
	}
	rs, err := MeasureFleetMemory(context.Background(), *memN, *memProfile)
	for _, r := range rs {
		t.Logf("%-16s %7d changes %8d requests %6.1fs peak heap %6.1f MiB (%4.0f B a change; allocated %6.1f MiB, GC goal %6.1f MiB), retained %6.1f MiB",
			r.Phase, r.Changes, r.Requests, r.Elapsed.Seconds(), float64(r.PeakHeap)/(1<<20), r.PerChange(), float64(r.PeakAlloc)/(1<<20), float64(r.PeakGoal)/(1<<20), float64(r.Retained)/(1<<20))
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestIncrementalSmall: with a state file, an unchanged fleet of 30
// projects plans with its one page of projects and a List each; with
// drift, a Get for each changed integration more, and the plan finds each.
func TestIncrementalSmall(t *testing.T) {
	rs, err := MeasureIncremental(context.Background(), 30, 0, []float64{0, 0.1, 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct{ requests, found int }{{31, 0}, {31 + 9, 9}, {31 + 90, 90}} {
		if r := rs[i]; r.Requests != int64(want.requests) || r.Found != want.found || r.Drifted != want.found {
			t.Errorf("drift %.0f%%: %d requests, found %d of %d; want %d requests, %d found", 100*r.Drift, r.Requests, r.Found, r.Drifted, want.requests, want.found)
		}
	}
}

var (
	incrN    = flag.Int("incr.n", 0, "projects of TestIncrementalCounts (0: skip it; the report uses 10000)")
	incrRate = flag.Int("incr.rate", 0, "requests a second the server of TestIncrementalCounts allows (0: no limit)")
)

// TestIncrementalCounts logs the requests of a plan with a state file of
// -incr.n projects with 0 %, 1 % and 100 % drift:
//
//	go test -run TestIncrementalCounts -incr.n 10000 -v
func TestIncrementalCounts(t *testing.T) {
	if *incrN == 0 {
		t.Skip("-incr.n not set")
	}
	rs, err := MeasureIncremental(context.Background(), *incrN, *incrRate, []float64{0, 0.01, 1})
	for _, r := range rs {
		t.Logf("drift %5.1f%%: changed %d, found %d, %d requests (%.3f a project), %.2fs", 100*r.Drift, r.Drifted, r.Found, r.Requests, float64(r.Requests)/float64(r.Projects), r.Elapsed.Seconds())
	}
	if err != nil {
		t.Fatal(err)
	}
}
