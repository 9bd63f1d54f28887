package bench

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// CPUResult is one contender's run of many Slack Set calls on many
// goroutines against integrationstest in a child process.
type CPUResult struct {
	Contender        string
	Calls            int
	Goroutines       int
	Elapsed          time.Duration
	ClientCPU        time.Duration // this process's CPU time over the run
	ServerCPU        time.Duration // the child server's
	Conns            int64
	Failed           int64
	Err              error
	ClientAllocBytes uint64
}

// ClientCPUPerCall is the client's CPU time a call.
func (r CPUResult) ClientCPUPerCall() time.Duration { return r.ClientCPU / time.Duration(r.Calls) }

// MeasureClientCPU makes calls Slack Set calls (each on its own project)
// from goroutines goroutines, for the floor, the SDK and client-go (each
// with its default HTTP client), rounds times alternating, against the
// in-memory GitLab of integrationstest running in a child process. The
// client's CPU is this process's (getrusage), the server's the child's:
// with the server in process, its work would be counted with the client's
// and could hide a difference between clients. The run with the least
// client CPU of each contender is kept (the machine's other work only
// ever adds to it).
func MeasureClientCPU(ctx context.Context, calls, goroutines, rounds int) ([]CPUResult, error) {
	child, err := startChild(fmt.Sprintf("gitlab:%d", calls))
	if err != nil {
		return nil, err
	}
	defer child.Close()
	best := map[string]CPUResult{}
	names := []string{Floor, SDK, ClientGo}
	for range rounds {
		for _, name := range names {
			c, err := newLoopbackContender(name, child.URLs[0], goroutines)
			if err != nil {
				return nil, err
			}
			if _, err := child.command("reset"); err != nil {
				return nil, err
			}
			runtime.GC()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			before, err := child.command("stats")
			if err != nil {
				return nil, err
			}
			cpu0 := cpuTime()
			elapsed, failed, firstErr := runCalls(ctx, c.SlackSet, calls, goroutines)
			cpu1 := cpuTime()
			after, err := child.command("stats")
			if err != nil {
				return nil, err
			}
			runtime.ReadMemStats(&ms1)
			r := CPUResult{
				Contender: name, Calls: calls, Goroutines: goroutines, Elapsed: elapsed,
				ClientCPU: cpu1 - cpu0, ServerCPU: time.Duration(after[3] - before[3]),
				Conns: after[0], Failed: failed, Err: firstErr,
				ClientAllocBytes: ms1.TotalAlloc - ms0.TotalAlloc,
			}
			if b, ok := best[name]; !ok || r.ClientCPU < b.ClientCPU || r.Failed > 0 {
				best[name] = r
			}
		}
	}
	out := make([]CPUResult, 0, len(names))
	for _, name := range names {
		out = append(out, best[name])
	}
	return out, nil
}
