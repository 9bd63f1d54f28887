// Command benchtable measures the SDK against the floor (hand-written
// net/http + encoding/json) and client-go, and prints one table: the cost
// of one call (in memory and over loopback), the throughput and TCP
// connections of one client on 1, 8 and 32 goroutines, and a batch of calls
// against a rate-limited GitLab with and without the adaptive limiter, and
// a fleet plan and apply over 10,000 projects (-spec-projects).
//
//	cd bench && go run ./cmd/benchtable
//
// It takes about two minutes; -quick runs a shorter version.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/bench"
)

func main() {
	bench.ServeIfChild() // the loopback server runs as a child of this binary
	var cfg config
	flag.IntVar(&cfg.rounds, "rounds", 5, "runs of each per-call benchmark (the median is reported)")
	flag.DurationVar(&cfg.benchtime, "benchtime", 200*time.Millisecond, "duration of each per-call benchmark run")
	flag.IntVar(&cfg.calls, "calls", 2000, "calls per concurrency measurement")
	flag.StringVar(&cfg.goroutines, "goroutines", "1,8,32", "goroutine counts of the concurrency measurement")
	flag.IntVar(&cfg.concRounds, "conc-rounds", 3, "runs of each concurrency measurement (the median is reported)")
	flag.DurationVar(&cfg.concMin, "conc-min", time.Second, "shortest concurrency run (its calls are repeated until then)")
	flag.BoolVar(&cfg.rateLimit, "ratelimit", true, "run the rate-limit measurement (about 20 s)")
	flag.IntVar(&cfg.rlCalls, "rl-calls", 2000, "calls of the rate-limit measurement")
	flag.IntVar(&cfg.rlGoroutines, "rl-goroutines", 32, "goroutines of the rate-limit measurement")
	flag.IntVar(&cfg.rlRate, "rl-rate", 200, "requests a second the rate-limited server allows")
	flag.IntVar(&cfg.fleetCalls, "fleet-calls", 10000, "Slack Set calls of the client-CPU measurement")
	flag.IntVar(&cfg.fleetGoroutines, "fleet-goroutines", 32, "goroutines of the client-CPU measurement")
	flag.IntVar(&cfg.fleetRounds, "fleet-rounds", 7, "runs of the client-CPU measurement (the least CPU is kept)")
	flag.IntVar(&cfg.specProjects, "spec-projects", 10000, "projects of the fleet plan-and-apply measurement (0: leave it out)")
	flag.IntVar(&cfg.specRate, "spec-rate", 1000, "requests a second the server of the plan-and-apply measurement allows")
	flag.IntVar(&cfg.incrProjects, "incr-projects", 10000, "projects of the plan-with-a-state-file measurement (0: leave it out)")
	flag.IntVar(&cfg.incrRate, "incr-rate", 1000, "requests a second the server of the plan-with-a-state-file measurement allows")
	flag.StringVar(&cfg.incrDrifts, "incr-drifts", "0,0.01", "shares of the integrations changed behind the tool's back before each measured plan")
	flag.IntVar(&cfg.memProjects, "mem-projects", 100000, "projects of the client-memory measurement (0: leave it out)")
	flag.IntVar(&cfg.cliRuns, "cli-runs", 21, "runs of each command of the CLI start measurement (0: leave it out)")
	quick := flag.Bool("quick", false, "a short run: 1 round, 100ms benchmarks, 500 calls, no rate limit")
	testing.Init() // registers test.benchtime, which testing.Benchmark reads
	flag.Parse()
	if *quick {
		cfg.rounds, cfg.benchtime, cfg.calls, cfg.concRounds, cfg.concMin, cfg.rateLimit = 1, 50*time.Millisecond, 500, 1, 0, false
		cfg.fleetCalls, cfg.fleetRounds, cfg.specProjects = 1000, 1, 300
		cfg.incrProjects, cfg.incrRate, cfg.memProjects, cfg.cliRuns = 300, 0, 2000, 5
	}
	if err := run(context.Background(), os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

type config struct {
	rounds                        int
	benchtime                     time.Duration
	calls, concRounds             int
	concMin                       time.Duration
	goroutines                    string
	rateLimit                     bool
	rlCalls, rlGoroutines, rlRate int
	fleetCalls, fleetGoroutines   int
	fleetRounds                   int
	specProjects, specRate        int
	incrProjects, incrRate        int
	incrDrifts                    string
	memProjects, cliRuns          int
}

func run(ctx context.Context, w io.Writer, cfg config) error {
	goroutines, err := parseInts(cfg.goroutines)
	if err != nil {
		return fmt.Errorf("-goroutines: %w", err)
	}
	if err := flag.Set("test.benchtime", cfg.benchtime.String()); err != nil {
		return err
	}
	fmt.Fprintf(w, "gitlabkit/integrations benchmarks: %s %s/%s, %d CPUs (%s)\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())

	perCall, err := measurePerCall(cfg)
	if err != nil {
		return err
	}
	printPerCall(w, cfg, perCall)

	conc, err := bench.MeasureConcurrency(ctx, cfg.calls, cfg.concRounds, goroutines, cfg.concMin)
	if err != nil {
		return err
	}
	printConcurrency(w, cfg, conc)

	var limited []bench.RateLimitResult
	if cfg.rateLimit {
		for _, c := range []struct {
			name string
			opts []integrations.ClientOption
		}{
			{"default (retries only)", nil},
			{"WithAdaptiveRateLimit()", []integrations.ClientOption{integrations.WithAdaptiveRateLimit()}},
		} {
			r, err := bench.MeasureRateLimit(ctx, c.name, cfg.rlCalls, cfg.rlGoroutines, cfg.rlRate, c.opts...)
			if err != nil {
				return err
			}
			limited = append(limited, r)
		}
		printRateLimit(w, limited)
	}
	fleet, err := bench.MeasureClientCPU(ctx, cfg.fleetCalls, cfg.fleetGoroutines, cfg.fleetRounds)
	if err != nil {
		return err
	}
	printFleet(w, cfg, fleet)
	var spec []bench.FleetResult
	if cfg.specProjects > 0 {
		if spec, err = bench.MeasureFleet(ctx, cfg.specProjects, cfg.specRate); err != nil {
			return err
		}
		printFleetSpec(w, spec)
	}
	if err := runFleetLimits(ctx, w, cfg); err != nil {
		return err
	}
	catalog := measureCatalog(cfg)
	printCatalog(w, catalog)
	bound, err := measureBound(cfg)
	if err != nil {
		return err
	}
	printBound(w, bound)
	printTargets(w, perCall, conc, limited, fleet, catalog, bound)
	for _, r := range spec {
		ratio := r.Elapsed.Seconds() / r.Ideal().Seconds()
		perProject := float64(r.Requests) / float64(r.Projects)
		verdict(w, ratio <= 1.10 && r.Failed == 0 && r.TooMany == 0 && r.PeakHeap < 200<<20 && (r.Phase != "plan" || perProject <= 4.05),
			"fleet %s over %d projects × 3 integrations at %d/s: %.2f× requests/R (≤ 1.10×), %.2f requests a project%s, %d failed, %d answered 429, peak heap %.0f MiB (< 200)",
			r.Phase, r.Projects, r.PerSecond, ratio, perProject, map[bool]string{true: " (≤ 1 + 3 + the group's pages)", false: ""}[r.Phase == "plan"],
			r.Failed, r.TooMany, float64(r.PeakHeap)/(1<<20))
	}
	return nil
}

// printFleetSpec prints the plan-and-apply measurement of package fleet.
func printFleetSpec(w io.Writer, results []bench.FleetResult) {
	fmt.Fprintln(w, "5. Fleet spec: apply then plan of Slack, Emails on push and Jira on every project of a group, against a rate-limited in-memory GitLab")
	fmt.Fprintln(w, "   (adaptive limiter, fleet's default concurrency of 8; ideal = requests / R; peak heap includes the in-process GitLab)")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "   %-6s %9s %9s %9s %9s %8s %6s %10s\n", "phase", "projects", "requests", "wall", "ideal", "×ideal", "429s", "peak heap")
	for _, r := range results {
		fmt.Fprintf(w, "   %-6s %9d %9d %9s %9s %7.2f× %6d %7.0f MiB\n", r.Phase, r.Projects, r.Requests,
			r.Elapsed.Round(10*time.Millisecond), r.Ideal().Round(10*time.Millisecond), r.Elapsed.Seconds()/r.Ideal().Seconds(), r.TooMany, float64(r.PeakHeap)/(1<<20))
	}
	fmt.Fprintln(w)
}

// perCallResult is the median of one per-call case's runs.
type perCallResult struct {
	bench.PerCallCase
	nsPerOp, bytesPerOp, allocsPerOp float64
}

// measurePerCall runs every per-call case cfg.rounds times, one case after
// another in each round, so that a slower moment of a shared machine is
// spread over every contender, and keeps the medians.
func measurePerCall(cfg config) ([]perCallResult, error) {
	cases, stop, err := bench.PerCallCases()
	if err != nil {
		return nil, err
	}
	defer stop()
	runs := make([][]testing.BenchmarkResult, len(cases))
	for range cfg.rounds {
		for i, c := range cases {
			r := testing.Benchmark(c.Run)
			if r.N == 0 {
				return nil, fmt.Errorf("benchmark %s failed", c.Name())
			}
			runs[i] = append(runs[i], r)
		}
	}
	out := make([]perCallResult, len(cases))
	for i, c := range cases {
		out[i] = perCallResult{
			PerCallCase: c,
			nsPerOp:     medianOf(runs[i], func(r testing.BenchmarkResult) float64 { return float64(r.T) / float64(r.N) }),
			bytesPerOp:  medianOf(runs[i], func(r testing.BenchmarkResult) float64 { return float64(r.AllocedBytesPerOp()) }),
			allocsPerOp: medianOf(runs[i], func(r testing.BenchmarkResult) float64 { return float64(r.AllocsPerOp()) }),
		}
	}
	return out, nil
}

func medianOf[T any](xs []T, f func(T) float64) float64 {
	vals := make([]float64, len(xs))
	for i, x := range xs {
		vals[i] = f(x)
	}
	slices.Sort(vals)
	return vals[len(vals)/2]
}

// of finds contender's result for the same transport, call and length.
func of(results []perCallResult, r perCallResult, contender string) perCallResult {
	for _, f := range results {
		if f.Transport == r.Transport && f.Call == r.Call && f.Length == r.Length && f.Contender == contender {
			return f
		}
	}
	return r
}

func printPerCall(w io.Writer, cfg config, results []perCallResult) {
	fmt.Fprintf(w, "1. Per call: median of %d runs of %s each (go test -bench semantics, b.Loop);\n", cfg.rounds, cfg.benchtime)
	fmt.Fprintf(w, "   length: how the answer gives its length (exact Content-Length, 0 with a body, unknown -1: chunked or un-gzipped);\n")
	fmt.Fprintf(w, "   limit: bare http.Client round trip + body read, nothing encoded or decoded; × are ratios to the floor and to the limit;\n")
	fmt.Fprintf(w, "   loopback: the server runs in a child process, so B/op and allocs/op are the client's alone\n\n")
	fmt.Fprintf(w, "%-9s %-10s %-8s %-10s %10s %7s %7s %8s %7s %7s %7s\n", "transport", "call", "length", "contender", "ns/op", "×floor", "×limit", "B/op", "allocs", "×floor", "×limit")
	for i, r := range results {
		f, l := of(results, r, bench.Floor), of(results, r, bench.Limit)
		transport, call, length := r.Transport, r.Call, r.Length
		if i > 0 && results[i-1].Transport == r.Transport && results[i-1].Call == r.Call {
			transport, call = "", ""
			if results[i-1].Length == r.Length {
				length = ""
			}
		}
		fmt.Fprintf(w, "%-9s %-10s %-8s %-10s %10s %6.2f× %6.2f× %8s %7.0f %6.2f× %6.2f×\n", transport, call, length, r.Contender,
			thousands(r.nsPerOp), r.nsPerOp/f.nsPerOp, r.nsPerOp/l.nsPerOp, thousands(r.bytesPerOp), r.allocsPerOp,
			r.allocsPerOp/f.allocsPerOp, r.allocsPerOp/l.allocsPerOp)
	}
	fmt.Fprintln(w)
}

func printConcurrency(w io.Writer, cfg config, results []bench.ConcurrencyResult) {
	fmt.Fprintf(w, "2. Concurrency: %d Slack Set calls (one project each) through one client, integrationstest on loopback;\n", cfg.calls)
	fmt.Fprintf(w, "   median of %d runs, a new client each run; conns = TCP connections the server accepted, most of any run (each run's)\n\n", cfg.concRounds)
	fmt.Fprintf(w, "%-10s %-10s %9s %7s %6s %-14s %6s\n", "goroutines", "contender", "ops/s", "×floor", "conns", "(each run)", "failed")
	fmt.Fprintf(w, "   (SDK capped: WithMaxConnections set to the number of goroutines)\n")
	for i, r := range results {
		var floor bench.ConcurrencyResult
		for _, f := range results {
			if f.Goroutines == r.Goroutines && f.Contender == bench.Floor {
				floor = f
			}
		}
		g := strconv.Itoa(r.Goroutines)
		if i > 0 && results[i-1].Goroutines == r.Goroutines {
			g = ""
		}
		fmt.Fprintf(w, "%-10s %-10s %9s %6.2f× %6d %-14s %6d\n", g, r.Contender, thousands(r.OpsPerSec()), r.OpsPerSec()/floor.OpsPerSec(),
			r.Conns, "("+joinInts(r.ConnsPerRound)+")", r.Failed)
		if r.Err != nil {
			fmt.Fprintf(w, "           first error: %v\n", r.Err)
		}
	}
	fmt.Fprintln(w)
}

func printRateLimit(w io.Writer, results []bench.RateLimitResult) {
	r0 := results[0]
	fmt.Fprintf(w, "3. Rate limit: %d Slack Set calls from %d goroutines, one SDK client, integrationstest allowing %d requests/s\n",
		r0.Calls, r0.Goroutines, r0.PerSecond)
	fmt.Fprintf(w, "   (fixed one-second windows, 429 + Retry-After beyond); ideal wall time %s (the run starts at a window's start:\n", r0.Ideal())
	fmt.Fprintf(w, "   the last window's calls go at its start, one window short of calls / rate)\n\n")
	fmt.Fprintf(w, "%-24s %9s %7s %9s %6s %8s %7s\n", "SDK client", "wall", "×ideal", "requests", "429s", "429 %", "failed")
	for _, r := range results {
		fmt.Fprintf(w, "%-24s %8.2fs %6.2f× %9d %6d %7.2f%% %7d\n", r.Name, r.Elapsed.Seconds(), r.Ratio(),
			r.Requests, r.TooMany, 100*float64(r.TooMany)/float64(max(r.Requests, 1)), r.Failed)
		if r.Err != nil {
			fmt.Fprintf(w, "    first error: %v\n", r.Err)
		}
	}
	fmt.Fprintln(w)
}

// printTargets checks the targets against the figures above.
func printTargets(w io.Writer, perCall []perCallResult, conc []bench.ConcurrencyResult, limited []bench.RateLimitResult, fleet []bench.CPUResult, catalog []catalogResult, bound []catalogResult) {
	fmt.Fprintln(w, "Targets")
	for _, r := range perCall {
		if r.Transport != bench.Memory || r.Contender != bench.SDK {
			continue
		}
		f := of(perCall, r, bench.Floor)
		ns, allocs := r.nsPerOp/f.nsPerOp, r.allocsPerOp/f.allocsPerOp
		if r.Call == bench.List {
			verdict(w, ns <= 1 && allocs <= 1, "SDK List of %d, %s length, in memory: %.2f× the floor's ns/op, %.2f× its allocs/op (%.0f vs %.0f; both ≤ 1×)",
				bench.ListSize, r.Length, ns, allocs, r.allocsPerOp, f.allocsPerOp)
			continue
		}
		verdict(w, ns <= 0.60 && r.allocsPerOp <= 24, "SDK %s, %s length, in memory: %.0f allocs/op (≤ 24), %.2f× the floor's ns/op (≤ 0.60×)",
			r.Call, r.Length, r.allocsPerOp, ns)
	}
	for _, r := range conc {
		if r.Contender == bench.SDK || r.Contender == bench.SDKCapped {
			verdict(w, r.Conns <= int64(r.Goroutines) && r.Failed == 0,
				"%s on %d goroutines: %d TCP connections (≤ %d), %d failed calls", r.Contender, r.Goroutines, r.Conns, r.Goroutines, r.Failed)
		}
	}
	for _, r := range limited {
		share := float64(r.TooMany) / float64(max(r.Requests, 1))
		if strings.Contains(r.Name, "Adaptive") {
			verdict(w, r.Ratio() <= 1.10 && share < 0.01 && r.Failed == 0,
				"rate limit, %s: %.2f× the achievable ideal (≤ 1.10×), %.2f%% answered 429 (< 1%%), %d failed calls", r.Name, r.Ratio(), 100*share, r.Failed)
		} else {
			verdict(w, r.Failed == 0, "rate limit, %s: %d failed calls (%.2f× the achievable ideal, %.2f%% answered 429)", r.Name, r.Failed, r.Ratio(), 100*share)
		}
	}
	var sdk, cg bench.CPUResult
	for _, r := range fleet {
		switch r.Contender {
		case bench.SDK:
			sdk = r
		case bench.ClientGo:
			cg = r
		}
	}
	ratio := sdk.ClientCPUPerCall().Seconds() / cg.ClientCPUPerCall().Seconds()
	verdict(w, ratio <= 0.7 && sdk.Failed == 0, "fleet: %d Slack Sets on %d goroutines, SDK client CPU %s a call, %.2f× client-go's %s (≤ 0.70×), %d failed",
		sdk.Calls, sdk.Goroutines, sdk.ClientCPUPerCall().Round(100*time.Nanosecond), ratio, cg.ClientCPUPerCall().Round(100*time.Nanosecond), sdk.Failed)
	c, first, last := catalog[0], catalog[1], catalog[2]
	verdict(w, c.allocs <= 8, "Catalog(): %.0f allocations a call (flat: ≤ 8, whatever the number of integrations), %s ns", c.allocs, thousands(c.ns))
	verdict(w, last.ns <= 1.5*first.ns && last.allocs == first.allocs,
		"Lookup: the last slug %s ns and %.0f allocs, the first %s ns and %.0f allocs (flat: ≤ 1.5× and the same)", thousands(last.ns), last.allocs, thousands(first.ns), first.allocs)
	own, none, timeout := bound[0], bound[1], bound[2]
	cost, timeoutCost := own.allocs-none.allocs, timeout.allocs-none.allocs
	verdict(w, cost <= 4 && cost < timeoutCost,
		"default request bound: %.0f allocations a call (≤ 4; http.Client.Timeout: %.0f), a server that never answers fails at the bound (TestDefaultRequestTimeout)", cost, timeoutCost)
}

func measureBound(cfg config) ([]catalogResult, error) {
	cases, stop, err := bench.BoundCases()
	if err != nil {
		return nil, err
	}
	defer stop()
	runs := make([][]testing.BenchmarkResult, len(cases))
	for range cfg.rounds {
		for i, c := range cases {
			runs[i] = append(runs[i], testing.Benchmark(c.Run))
		}
	}
	var out []catalogResult
	for i, c := range cases {
		out = append(out, catalogResult{c.Name,
			medianOf(runs[i], func(r testing.BenchmarkResult) float64 { return float64(r.T) / float64(max(r.N, 1)) }),
			medianOf(runs[i], func(r testing.BenchmarkResult) float64 { return float64(r.AllocsPerOp()) })})
	}
	return out, nil
}

func printBound(w io.Writer, results []catalogResult) {
	fmt.Fprintf(w, "7. Default request bound: Slack Get over loopback (server in a child process), median\n\n%-28s %10s %7s\n", "client", "ns/op", "allocs")
	for _, r := range results {
		fmt.Fprintf(w, "%-28s %10s %7.0f\n", r.name, thousands(r.ns), r.allocs)
	}
	fmt.Fprintln(w)
}

func printFleet(w io.Writer, cfg config, results []bench.CPUResult) {
	fmt.Fprintf(w, "4. Fleet: %d Slack Set calls from %d goroutines, one client, integrationstest in a child process on loopback;\n", cfg.fleetCalls, cfg.fleetGoroutines)
	fmt.Fprintf(w, "   client CPU = this process's user+system time (getrusage) over the run, server CPU the child's; least client CPU of %d runs\n\n", cfg.fleetRounds)
	fmt.Fprintf(w, "%-10s %9s %12s %12s %10s %6s %6s\n", "contender", "wall", "client CPU/call", "server/call", "client B/call", "conns", "failed")
	for _, r := range results {
		fmt.Fprintf(w, "%-10s %8.2fs %15s %12s %13s %6d %6d\n", r.Contender, r.Elapsed.Seconds(), r.ClientCPUPerCall().Round(100*time.Nanosecond),
			(r.ServerCPU / time.Duration(r.Calls)).Round(100*time.Nanosecond), thousands(float64(r.ClientAllocBytes)/float64(r.Calls)), r.Conns, r.Failed)
		if r.Err != nil {
			fmt.Fprintf(w, "           first error: %v\n", r.Err)
		}
	}
	fmt.Fprintln(w)
}

type catalogResult struct {
	name       string
	ns, allocs float64
}

func measureCatalog(cfg config) []catalogResult {
	var out []catalogResult
	for _, c := range bench.CatalogCases() {
		var runs []testing.BenchmarkResult
		for range cfg.rounds {
			runs = append(runs, testing.Benchmark(c.Run))
		}
		out = append(out, catalogResult{c.Name,
			medianOf(runs, func(r testing.BenchmarkResult) float64 { return float64(r.T) / float64(max(r.N, 1)) }),
			medianOf(runs, func(r testing.BenchmarkResult) float64 { return float64(r.AllocsPerOp()) })})
	}
	return out
}

func printCatalog(w io.Writer, results []catalogResult) {
	fmt.Fprintf(w, "6. Catalog (median)\n\n%-28s %10s %7s\n", "call", "ns/op", "allocs")
	for _, r := range results {
		fmt.Fprintf(w, "%-28s %10s %7.0f\n", r.name, thousands(r.ns), r.allocs)
	}
	fmt.Fprintln(w)
}

func verdict(w io.Writer, ok bool, format string, args ...any) {
	mark := "MET    "
	if !ok {
		mark = "NOT MET"
	}
	fmt.Fprintf(w, "  %s %s\n", mark, fmt.Sprintf(format, args...))
}

// thousands formats a figure with thousands separators: 25,912.
func thousands(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func joinInts(xs []int64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(s, ",")
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// cpuModel reads the CPU's name from /proc/cpuinfo, where there is one.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "CPU model unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "CPU model unknown"
}
