package integrationstest

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// windowLimiter counts requests in one-second windows, as GitLab's
// throttles count them in fixed periods. Its state is one word, the
// window's Unix second in the high 32 bits and the count in the low 32, so
// that taking a slot is one atomic add in the common case: 32 goroutines
// hammering the server contend on a cache line, not on a lock.
type windowLimiter struct {
	limit uint64
	state atomic.Uint64
}

// take counts one request arriving at now and returns the count of its
// window (this request included) and the window's Unix second.
func (l *windowLimiter) take(now time.Time) (count uint64, window int64) {
	sec := uint64(now.Unix()) & 0xFFFFFFFF
	for {
		old := l.state.Load()
		if old>>32 >= sec {
			// The current window, or a newer one another goroutine
			// opened while this request was on its way: count it there.
			v := l.state.Add(1)
			return v & 0xFFFFFFFF, int64(v >> 32)
		}
		if l.state.CompareAndSwap(old, sec<<32|1) {
			return 1, int64(sec)
		}
	}
}

// apply applies the rate limit to a request arriving at now: it sets the
// RateLimit-* headers and reports whether the request may be served; when
// not, it has written GitLab's 429 answer.
func (l *windowLimiter) apply(w http.ResponseWriter, now time.Time) bool {
	count, window := l.take(now)
	reset := time.Unix(window+1, 0)
	h := w.Header()
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	h.Set("RateLimit-Limit", strconv.FormatUint(l.limit, 10))
	h.Set("RateLimit-Observed", strconv.FormatUint(count, 10))
	h.Set("RateLimit-Remaining", strconv.FormatUint(l.limit-min(count, l.limit), 10))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", stamp(reset))
	if count <= l.limit {
		return true
	}
	// Retry-After is the whole seconds until the window ends, at least 1.
	wait := int64((reset.Sub(now) + time.Second - 1) / time.Second)
	h.Set("Retry-After", strconv.FormatInt(max(wait, 1), 10))
	// GitLab's throttle answers in plain text, not JSON.
	h.Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("Retry later\n"))
	return false
}
