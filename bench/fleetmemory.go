package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// MemoryPhase is one phase of the fleet memory measurement: what the
// client process (the in-memory GitLab runs in a child process) held at
// most while it ran.
type MemoryPhase struct {
	// Phase is "plan" (the first plan: everything to create), "apply",
	// "plan again" (no change, every integration read), "write plan file"
	// or "read plan file".
	Phase string
	// Changes is the number of changes of the plan the phase made or used.
	Changes int
	// PeakHeap is the most heap in use seen during the phase: the
	// runtime's HeapInuse (the bytes of the heap's spans that hold at
	// least one object, live or garbage not yet swept: what the process
	// holds of the heap, fragmentation included), sampled every 5 ms, the
	// client's only: what it holds of earlier phases (the plan, for
	// apply) included.
	PeakHeap uint64
	// PeakAlloc is the most heap allocated seen at the same samples: the
	// runtime's HeapAlloc, the bytes of the objects, live or garbage not
	// yet swept (at most PeakHeap).
	PeakAlloc uint64
	// PeakGoal is the largest heap goal of the garbage collector at the
	// same samples (NextGC): the heap at which it meant to finish the
	// next cycle, twice the live heap of the last one by default.
	PeakGoal uint64
	// Retained is the heap in use after the phase, after a GC.
	Retained uint64
	// Base is the heap in use before the first phase, after a GC: the
	// process's own (runtime, catalog, client), paid once whatever the
	// fleet.
	Base     uint64
	Elapsed  time.Duration
	Requests int64
}

// MeasureFleetMemory plans, applies and plans again the three
// integrations of fleetSpec on n projects of an in-memory GitLab running
// in a child process, then writes the first plan to a file and reads it
// back, measuring the client's heap in each phase. With profileDir, it
// writes a heap profile (inuse_space after a GC) at the end of each phase
// there, as PHASE.heap.
func MeasureFleetMemory(ctx context.Context, n int, profileDir string) ([]MemoryPhase, error) {
	child, err := startChild(fmt.Sprintf("gitlab:%d", n))
	if err != nil {
		return nil, err
	}
	defer child.Close()
	c, err := integrations.NewClient(Token, integrations.WithBaseURL(child.URLs[0]))
	if err != nil {
		return nil, err
	}
	spec := fleetSpec()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "fleet-memory")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	planFile := filepath.Join(tmp, "plan.json")
	var out []MemoryPhase
	var first *fleet.Plan
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	run := func(phase string, fn func() (int, error)) error {
		if _, err := child.command("reset"); err != nil {
			return err
		}
		r, err := measureHeap(phase, fn)
		if err != nil {
			return fmt.Errorf("fleet memory %s: %w", phase, err)
		}
		r.Base = base
		if st, err := child.command("stats"); err == nil && len(st) > 1 {
			r.Requests = st[1]
		}
		out = append(out, r)
		if profileDir != "" {
			return writeHeapProfile(filepath.Join(profileDir, phaseFile(phase)+".heap"))
		}
		return nil
	}
	steps := []struct {
		phase string
		fn    func() (int, error)
	}{
		{"plan", func() (int, error) {
			p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: fleetEnv, Progress: lastPlace(profileDir, "plan-read")})
			if err != nil {
				return 0, err
			}
			first = p
			return len(p.Changes), nil
		}},
		{"apply", func() (int, error) {
			res, err := fleet.Apply(ctx, c, first, fleet.ApplyOptions{LookupEnv: fleetEnv, Progress: lastPlace(profileDir, "apply-done")})
			if err != nil {
				return 0, err
			}
			if f := res.Failed(); f > 0 {
				return 0, fmt.Errorf("%d changes failed", f)
			}
			return len(first.Changes), nil
		}},
		{"write plan file", func() (int, error) {
			f, err := os.Create(planFile)
			if err != nil {
				return 0, err
			}
			w := bufio.NewWriter(f)
			if err := first.WriteJSON(w); err != nil {
				f.Close()
				return 0, err
			}
			if err := w.Flush(); err != nil {
				f.Close()
				return 0, err
			}
			return len(first.Changes), f.Close()
		}},
		{"plan again", func() (int, error) {
			first = nil // the plan applied is done with
			p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: fleetEnv})
			if err != nil {
				return 0, err
			}
			if p.HasChanges() {
				return 0, fmt.Errorf("the plan after apply has changes: %+v", p.Summary)
			}
			return len(p.Changes), nil
		}},
		{"read plan file", func() (int, error) {
			f, err := os.Open(planFile)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			p, err := fleet.ReadPlan(f)
			if err != nil {
				return 0, err
			}
			return len(p.Changes), nil
		}},
	}
	for _, s := range steps {
		if err := run(s.phase, s.fn); err != nil {
			return out, err
		}
	}
	return out, nil
}

// measureHeap runs fn, sampling the heap in use every 5 ms.
func measureHeap(phase string, fn func() (int, error)) (MemoryPhase, error) {
	runtime.GC()
	var peak, peakAlloc, peakGoal atomic.Uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			if m.HeapAlloc > peakAlloc.Load() {
				peakAlloc.Store(m.HeapAlloc)
			}
			if m.NextGC > peakGoal.Load() {
				peakGoal.Store(m.NextGC)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	changes, err := fn()
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return MemoryPhase{Phase: phase, Changes: changes, PeakHeap: peak.Load(), PeakAlloc: peakAlloc.Load(), PeakGoal: peakGoal.Load(), Retained: m.HeapInuse, Elapsed: elapsed}, err
}

// lastPlace, with a profile directory, is a plan's progress callback that
// writes a heap profile (inuse_space after a GC) once the last place is
// read (or the last change applied), as NAME.heap: what the phase holds at
// its fullest (a plan's places and every change) before it returns.
// Without one it is nil.
func lastPlace(profileDir, name string) func(fleet.Event) {
	if profileDir == "" {
		return nil
	}
	return func(e fleet.Event) {
		if e.Done == e.Total {
			_ = writeHeapProfile(filepath.Join(profileDir, name+".heap"))
		}
	}
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func phaseFile(phase string) string {
	b := []byte(phase)
	for i, c := range b {
		if c == ' ' {
			b[i] = '-'
		}
	}
	return string(b)
}

// PerChange is the peak heap above the process's own for each change of
// the plan the phase made or used.
func (r MemoryPhase) PerChange() float64 {
	if r.PeakHeap < r.Base {
		return 0
	}
	return float64(r.PeakHeap-r.Base) / float64(max(r.Changes, 1))
}
