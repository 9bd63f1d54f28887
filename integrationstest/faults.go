package integrationstest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// faults decides which requests get an injected error answer.
type faults struct {
	every       uint64 // WithFailEvery's n, 0 when off
	everyStatus int
	seen        atomic.Uint64 // requests that reached the fault stage

	mu         sync.Mutex
	next       int // FailNext's remaining count
	nextStatus int
}

// FailNext makes the next n requests fail with status instead of being
// served, without touching the server's state (see WithFailEvery for the
// bodies). It replaces what an earlier FailNext left; n <= 0 cancels it.
func (s *Server) FailNext(n, status int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.next = max(n, 0)
	s.faults.nextStatus = normaliseStatus(status)
}

// SetLatency changes the delay WithLatency set, for the requests that
// arrive from now on.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(max(d, 0))) }

// pick returns the status to inject for this request, or 0 to serve it.
func (f *faults) pick() int {
	n := f.seen.Add(1)
	f.mu.Lock()
	if f.next > 0 {
		f.next--
		status := f.nextStatus
		f.mu.Unlock()
		return status
	}
	f.mu.Unlock()
	if f.every > 0 && n%f.every == 0 {
		return f.everyStatus
	}
	return 0
}

// injectFailure writes the answer of a failing GitLab: Rails' JSON for 500,
// a proxy's HTML page for 502, 503 and 504 (GitLab's front end answers
// those when Puma does not), GitLab's JSON message for anything else.
func injectFailure(w http.ResponseWriter, status int) {
	text := http.StatusText(status)
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "<html>\n<head><title>%d %s</title></head>\n<body>\n<center><h1>%d %s</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n",
			status, text, status, text)
	default:
		answerMessage(w, status, fmt.Sprintf("%d %s", status, text))
	}
}

// sleep waits d or until ctx ends, reporting whether the full delay passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
