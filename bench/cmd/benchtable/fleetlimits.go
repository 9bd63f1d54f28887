package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gitlabkit/integrations/bench"
)

// runFleetLimits measures and prints, each with its verdict: a plan with a
// state file of an unchanged fleet and of one with drift, the client's
// heap per phase of a plan and apply of -mem-projects projects, the CLI's
// start, and the memory of hostile 503 answers.
func runFleetLimits(ctx context.Context, w io.Writer, cfg config) error {
	if cfg.incrProjects > 0 {
		var drifts []float64
		for _, f := range strings.Split(cfg.incrDrifts, ",") {
			d, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return fmt.Errorf("-incr-drifts: %w", err)
			}
			drifts = append(drifts, d)
		}
		rs, err := bench.MeasureIncremental(ctx, cfg.incrProjects, cfg.incrRate, drifts)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, "6. Fleet plan with a state file (--state): Slack, Emails on push and Jira on every project, after a plan recorded them,")
		fmt.Fprintln(w, "   with a share of them changed through the API behind the tool's back (ideal = requests / R)")
		fmt.Fprintln(w)
		fmt.Fprintf(w, "   %-6s %9s %9s %9s %11s %9s %9s %8s\n", "drift", "projects", "changed", "found", "requests", "req/proj", "wall", "×ideal")
		for _, r := range rs {
			fmt.Fprintf(w, "   %5.1f%% %9d %9d %9d %11d %9.3f %8.2fs %8s\n", 100*r.Drift, r.Projects, r.Drifted, r.Found, r.Requests,
				float64(r.Requests)/float64(r.Projects), r.Elapsed.Seconds(), ratioText(r.FleetResult))
		}
		fmt.Fprintln(w)
		for _, r := range rs {
			perProject := float64(r.Requests) / float64(r.Projects)
			pages := int64((r.Projects + 99) / 100)
			ratioOK := r.PerSecond == 0 || r.Elapsed.Seconds()/r.Ideal().Seconds() <= 1.10
			if r.Drifted == 0 {
				verdict(w, perProject <= 1.05 && r.Found == 0 && ratioOK && r.TooMany == 0,
					"plan with a state file of an unchanged fleet of %d projects × 3: %.3f requests a project (≤ 1.05, the project listing included), %s requests/R (≤ 1.10×), %d answered 429",
					r.Projects, perProject, ratioText(r.FleetResult), r.TooMany)
				continue
			}
			verdict(w, r.Found == r.Drifted && r.Requests == pages+int64(r.Projects)+int64(r.Drifted) && ratioOK && r.TooMany == 0,
				"plan with a state file, %.1f%% drift: found %d of the %d changed integrations, %d requests (the pages, a List a project and a Get a change: %d), %s requests/R (≤ 1.10×)",
				100*r.Drift, r.Found, r.Drifted, r.Requests, pages+int64(r.Projects)+int64(r.Drifted), ratioText(r.FleetResult))
		}
		fmt.Fprintln(w)
	}
	if cfg.memProjects > 0 {
		rs, err := bench.MeasureFleetMemory(ctx, cfg.memProjects, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "7. Client heap of a plan and apply of %d projects × 3 integrations (the in-memory GitLab in a child process; peak HeapInuse, live and garbage, sampled every 5 ms; default GOGC)\n\n", cfg.memProjects)
		fmt.Fprintf(w, "   (a change: the peak above the %.1f MiB the process holds before the first phase, over the changes; allocated: peak HeapAlloc; GC goal: peak NextGC)\n\n", float64(rs[0].Base)/(1<<20))
		fmt.Fprintf(w, "   %-16s %9s %9s %10s %12s %12s %12s %12s\n", "phase", "changes", "requests", "wall", "peak heap", "a change", "allocated", "GC goal")
		for _, r := range rs {
			fmt.Fprintf(w, "   %-16s %9d %9d %9.1fs %8.1f MiB %10.0f B %8.1f MiB %8.1f MiB\n", r.Phase, r.Changes, r.Requests, r.Elapsed.Seconds(), float64(r.PeakHeap)/(1<<20), r.PerChange(), float64(r.PeakAlloc)/(1<<20), float64(r.PeakGoal)/(1<<20))
		}
		fmt.Fprintln(w)
		for _, r := range rs {
			verdict(w, r.PeakHeap <= 300<<20 && r.PerChange() <= 1024,
				"fleet memory, %s of %d projects × 3: client peak heap %.1f MiB (≤ 300 MiB), %.0f B a change (≤ 1 KiB)",
				r.Phase, cfg.memProjects, float64(r.PeakHeap)/(1<<20), r.PerChange())
		}
		fmt.Fprintln(w)
	}
	if cfg.cliRuns > 0 {
		rs, err := bench.MeasureCLIStart(cfg.cliRuns)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "8. CLI start: median wall time of %d runs, against a hello-world program built the same way (go build)\n\n", cfg.cliRuns)
		for _, r := range rs {
			fmt.Fprintf(w, "   %-30s %8.1f ms wall %8.1f ms CPU\n", r.Name, float64(r.Median.Microseconds())/1000, float64(r.CPU.Microseconds())/1000)
		}
		fmt.Fprintln(w)
		hello := rs[0].Median
		for _, r := range rs[1:] {
			verdict(w, r.Median <= hello+20*time.Millisecond,
				"%s starts and ends in %.1f ms (%.1f ms CPU), hello world in %.1f ms (%.1f ms CPU): ≤ hello world + 20 ms",
				r.Name, float64(r.Median.Microseconds())/1000, float64(r.CPU.Microseconds())/1000, float64(hello.Microseconds())/1000, float64(rs[0].CPU.Microseconds())/1000)
		}
		fmt.Fprintln(w)
	}
	rs, err := bench.MeasureHostile503(ctx)
	if err != nil {
		return err
	}
	for _, r := range rs {
		verdict(w, r.Attempts == 3 && r.Allocated <= 2*r.ReadBytes && r.Allocated <= 1<<20,
			"hostile 503 answers (%s, %d attempts): read %d KiB, allocated %d KiB (≤ 2× what was read, ≤ 1 MiB)",
			r.Name, r.Attempts, r.ReadBytes>>10, r.Allocated>>10)
	}
	fmt.Fprintln(w)
	return nil
}

func ratioText(r bench.FleetResult) string {
	if r.PerSecond == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", r.Elapsed.Seconds()/r.Ideal().Seconds())
}
