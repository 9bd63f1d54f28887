package integrations

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gitlabkit/integrations/internal/transport"
)

// WithRateLimit keeps the client under perSecond requests a second, with
// bursts of up to burst requests, across every goroutine that uses it.
// Every attempt counts, retries included. It can be combined with
// WithAdaptiveRateLimit. perSecond may be from 1/3600 (one request an hour)
// to a million, burst from 1 to 2^20. A request whose turn comes after its
// context's deadline fails at once, with an error matching ErrRateLimited
// and context.DeadlineExceeded.
func WithRateLimit(perSecond float64, burst int) ClientOption {
	return func(c *core) error {
		if !(perSecond >= minRatePerSecond && perSecond <= maxRatePerSecond) || burst < 1 || burst > maxBurst {
			return errorf("WithRateLimit(%v, %d): need perSecond between %.6f (one request an hour) and %v, and burst between 1 and %d",
				perSecond, burst, minRatePerSecond, maxRatePerSecond, burst, maxBurst)
		}
		if c.limiter == nil {
			c.limiter = &rateLimiter{}
		}
		c.limiter.bucket = &tokenBucket{rate: perSecond, burst: float64(burst), tokens: float64(burst)}
		return nil
	}
}

// The range WithRateLimit accepts: below one request an hour the waits
// stop making sense, above a million a second there is no limit to keep.
const (
	minRatePerSecond = 1.0 / 3600
	maxRatePerSecond = 1e6
	maxBurst         = 1 << 20
)

// WithAdaptiveRateLimit makes the client follow the RateLimit-Remaining and
// RateLimit-Reset headers GitLab sends, so that a script running many
// goroutines on one Client slows down before GitLab answers 429. Requests go
// out at full speed while GitLab's window has room; when the room left gets
// low and another client is seen using the same limit, the rest is spread
// evenly until the window's reset; when it is used up, every goroutine waits
// for the reset, and the first request after it finds out the new window
// before the others follow. A 429 holds every goroutine until its
// Retry-After. No hold, and no wait for a reset, lasts longer than the
// retry policy's maxWait (WithRetries; a minute by default), and a request
// whose turn comes after its context's deadline fails at once, with an
// error matching ErrRateLimited and context.DeadlineExceeded. Without those
// headers (a GitLab with no throttle on the API), it never waits; it costs
// an uncontended lock and a header look-up per request.
func WithAdaptiveRateLimit() ClientOption {
	return func(c *core) error {
		if c.limiter == nil {
			c.limiter = &rateLimiter{}
		}
		c.limiter.adaptive = &adaptiveLimit{wake: make(chan struct{})}
		return nil
	}
}

// rateLimiter is the client-side limiting of one Client, shared by all its
// goroutines: a token bucket (WithRateLimit), GitLab's own window
// (WithAdaptiveRateLimit), or both. limitedTransport applies it to every
// attempt.
type rateLimiter struct {
	bucket   *tokenBucket   // nil without WithRateLimit
	adaptive *adaptiveLimit // nil without WithAdaptiveRateLimit
}

// tokenBucket lets rate requests a second through, burst at most at once.
// Callers reserve a token, going into debt when there is none, and sleep
// until the debt is paid: one lock per request and no herd of goroutines
// waking together to race for the next token.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64 // tokens a second
	burst  float64
	tokens float64 // negative when callers are waiting for tokens
	last   time.Time
}

// reserve takes a token and says how long to wait before using it.
func (b *tokenBucket) reserve(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if now.After(b.last) {
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	wait := -b.tokens / b.rate * float64(time.Second)
	if wait >= float64(maxDuration) {
		return maxDuration // converting would overflow
	}
	return time.Duration(wait)
}

// maxDuration is the longest time.Duration.
const maxDuration = time.Duration(1<<63 - 1)

// unreserve gives back a token whose caller gave up waiting.
func (b *tokenBucket) unreserve() {
	b.mu.Lock()
	b.tokens = min(b.burst, b.tokens+1)
	b.mu.Unlock()
}

// wait blocks until a request may be sent or ctx ends.
func (b *tokenBucket) wait(ctx context.Context) error {
	now := time.Now()
	d := b.reserve(now)
	if d <= 0 {
		return nil
	}
	if pastDeadline(ctx, now, d) {
		b.unreserve()
		return &limitWaitError{wait: d, what: "the client-side rate limit"}
	}
	if err := sleepCtx(ctx, d); err != nil {
		b.unreserve()
		return fmt.Errorf("waiting %s for the client-side rate limit: %w", d.Round(time.Millisecond), err)
	}
	return nil
}

// limitWaitError is a request that would wait for a rate limit past its
// context's deadline, so it fails at once instead. It matches ErrRateLimited
// and context.DeadlineExceeded.
type limitWaitError struct {
	wait time.Duration
	what string
}

func (e *limitWaitError) Error() string {
	return fmt.Sprintf("%s allows the next request in %s, after the context's deadline", e.what, e.wait.Round(time.Millisecond))
}

func (e *limitWaitError) Unwrap() []error { return []error{ErrRateLimited, context.DeadlineExceeded} }

// pastDeadline reports whether ctx ends before d from now.
func pastDeadline(ctx context.Context, now time.Time, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && deadline.Before(now.Add(d))
}

// adaptiveLimit tracks GitLab's rate-limit window from its answers. GitLab
// counts requests in fixed windows (a minute on GitLab.com) and reports, on
// every answer of a throttled endpoint, RateLimit-Remaining (what the window
// still allows) and RateLimit-Reset (the Unix second the window ends).
//
// What a request may spend is the lowest RateLimit-Remaining seen in the
// window less the requests still in flight, which GitLab may have counted
// since. For a single client that bound is exact, so the whole window is
// used without a 429: requests go out at full speed while it is positive;
// when it reaches zero with requests in flight, the next answer tells more;
// at zero with none in flight, the window is used up.
type adaptiveLimit struct {
	mu sync.Mutex

	// window is the end of GitLab's current window as its answers said;
	// zero when none is tracked (no headers seen yet, or the last window
	// ended with room to spare).
	window time.Time
	// holdUntil is when a 429's Retry-After ends.
	holdUntil time.Time
	// seen is the lowest RateLimit-Remaining of the window's answers.
	seen int
	// inflight counts the requests sent and not answered yet; peak is its
	// highest value, a guess at what other clients of a shared limit keep
	// in flight too.
	inflight, peak int
	// sentInWindow counts this client's requests in the window, to tell
	// whether GitLab counted others' too.
	sentInWindow int
	// limit is the window's size: RateLimit-Limit, or the most ever seen
	// remaining plus one.
	limit int
	// shared is set once GitLab's count shows other clients spending the
	// same limit: what is left of each window is then no longer known
	// exactly, so peak requests are kept back for the requests of the
	// others in flight, and the window's last tenth is spread evenly until
	// the reset.
	shared bool
	// next is the earliest start of the next paced request.
	next time.Time
	// probing is set while the first request after a used-up window's end
	// is out: the others wait for its answer (or probeTimeout) to learn the
	// new window instead of all landing in the old one.
	probing    bool
	probeUntil time.Time
	// margin is waited after a window's end before probing; it grows when
	// a probe finds the old window still open (a clock ahead of GitLab's).
	margin time.Duration
	// wake is closed, and replaced, when an answer arrives while requests
	// wait for one.
	wake    chan struct{}
	waiters int
	// maxHold bounds how far ahead a 429's hold or a window's end may lie:
	// the retry policy's maxWait, so that no answer holds the Client
	// longer than the policy would wait for it. 0: no bound.
	maxHold time.Duration
}

const (
	// probeTimeout bounds how long the others wait for a probe's answer.
	probeTimeout = 2 * time.Second
	// marginStep and maxMargin are how a clock difference is learnt.
	marginStep = 50 * time.Millisecond
	maxMargin  = time.Second
)

// ticket is what acquire hands to the answer's observe.
type ticket struct{ probe bool }

// acquire waits until GitLab's window, as far as the client knows it,
// allows one more request.
func (a *adaptiveLimit) acquire(ctx context.Context) (ticket, error) {
	for {
		a.mu.Lock()
		now := time.Now()
		end := a.window
		if a.holdUntil.After(end) {
			end = a.holdUntil
		}
		left := a.seen - a.inflight
		if a.shared {
			left -= min(a.peak, a.limit/4)
		}
		var sleep time.Duration
		var wake chan struct{}
		switch {
		case end.IsZero():
			// No window known: send.
			return a.take(false), nil
		case !now.Before(end.Add(a.margin)):
			if left > a.limit/4 && !now.Before(a.holdUntil) {
				// The window ended with room to spare: this client is far
				// from the limit, so stop tracking until told again.
				a.window, a.holdUntil = time.Time{}, time.Time{}
				return a.take(false), nil
			}
			// The window ended (nearly) used up: one request finds out the
			// new window before the others follow.
			if !a.probing || now.After(a.probeUntil) {
				a.probing = true
				a.probeUntil = now.Add(probeTimeout)
				return a.take(true), nil
			}
			wake, sleep = a.waitForAnswer(), a.probeUntil.Sub(now)
		case now.Before(a.holdUntil):
			sleep = a.holdUntil.Sub(now)
		case left > 0 && (!a.shared || left > a.limit/10):
			return a.take(false), nil
		case left > 0:
			// Little left and others spend it too: spread what is left
			// until the reset, so that their share shows in the answers
			// before this client's estimate reaches zero.
			at := now
			if a.next.After(at) {
				at = a.next
			}
			if !at.Before(end) {
				sleep = end.Add(a.margin).Sub(now)
				break
			}
			if pastDeadline(ctx, now, at.Sub(now)) {
				a.mu.Unlock()
				return ticket{}, &limitWaitError{wait: at.Sub(now), what: "GitLab's rate-limit window"}
			}
			a.next = at.Add(end.Sub(at) / time.Duration(left))
			t := a.take(false)
			if err := sleepCtx(ctx, at.Sub(now)); err != nil {
				a.observe(t, nil)
				return ticket{}, fmt.Errorf("pacing requests under GitLab's rate limit: %w", err)
			}
			return t, nil
		case a.inflight > 0:
			// Nothing left unless some requests in flight were counted
			// in the previous answers: the next answer tells.
			wake, sleep = a.waitForAnswer(), end.Add(a.margin).Sub(now)
		default:
			// Used up: wait for the reset.
			sleep = end.Add(a.margin).Sub(now)
		}
		a.mu.Unlock()
		if wake == nil && pastDeadline(ctx, now, sleep) {
			// Its turn comes after its deadline: fail now, not then.
			return ticket{}, &limitWaitError{wait: sleep, what: "GitLab's rate-limit window"}
		}
		err := sleepOrWake(ctx, sleep, wake)
		if wake != nil {
			a.mu.Lock()
			a.waiters--
			a.mu.Unlock()
		}
		if err != nil {
			return ticket{}, fmt.Errorf("waiting for GitLab's rate-limit window: %w", err)
		}
	}
}

// take counts a request going out and unlocks a.mu.
func (a *adaptiveLimit) take(probe bool) ticket {
	a.inflight++
	a.peak = max(a.peak, a.inflight)
	a.sentInWindow++
	a.mu.Unlock()
	return ticket{probe: probe}
}

// waitForAnswer registers a waiter for the next answer; a.mu is held.
func (a *adaptiveLimit) waitForAnswer() chan struct{} {
	a.waiters++
	return a.wake
}

// observe takes in the answer to a request; resp is nil when the request
// got none.
func (a *adaptiveLimit) observe(t ticket, resp *http.Response) {
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inflight--
	if t.probe {
		a.probing = false
	}
	if a.waiters > 0 {
		close(a.wake)
		a.wake = make(chan struct{})
	}
	if resp == nil {
		return
	}
	h := resp.Header
	tooMany := resp.StatusCode == http.StatusTooManyRequests
	if remaining, err := strconv.Atoi(h.Get("RateLimit-Remaining")); err == nil && remaining >= 0 {
		a.update(t, h, min(remaining, maxRateLimitCount), now)
	} else if t.probe && !tooMany {
		// The first answer after the window has no rate-limit headers:
		// nothing to track any more.
		a.window, a.holdUntil = time.Time{}, time.Time{}
	}
	if tooMany {
		// Hold every request until Retry-After (else RateLimit-Reset,
		// else a second) has passed; then a probe goes first.
		wait, ok := serverWait(h, now)
		if !ok {
			wait = time.Second
		}
		if until := now.Add(a.bound(wait)); until.After(a.holdUntil) {
			a.holdUntil = until
		}
		a.seen = 0
		if t.probe {
			a.learnMargin()
		}
	}
}

// update takes in an answer's RateLimit-Remaining and RateLimit-Reset; a.mu
// is held.
func (a *adaptiveLimit) update(t ticket, h http.Header, remaining int, now time.Time) {
	if l, err := strconv.Atoi(h.Get("RateLimit-Limit")); err == nil && l > 0 {
		a.limit = min(l, maxRateLimitCount)
	} else if remaining+1 > a.limit {
		a.limit = remaining + 1
	}
	reset, ok := resetTime(h, now)
	if !ok {
		return
	}
	if d := reset.Sub(now); a.bound(d) < d {
		reset = now.Add(a.bound(d)) // a window too long to wait for
	}
	switch {
	case a.window.IsZero() || reset.Sub(a.window) >= time.Second:
		// A newer window (windows are whole seconds apart).
		if !reset.After(now) {
			return
		}
		a.window, a.seen, a.next = reset, remaining, time.Time{}
		// As far as can be told, the window counted only this client's
		// requests: the answered ones and those in flight.
		a.sentInWindow = a.limit - remaining + a.inflight
	case a.window.Sub(reset) >= time.Second:
		// A late answer from an older window.
	default:
		// The same window. GitLab counting more than this client sent
		// means others spend the same limit.
		if a.limit-remaining > a.sentInWindow+2 {
			a.shared = true
		}
		a.seen = min(a.seen, remaining)
		if t.probe && !now.Before(a.window) {
			a.learnMargin()
		}
	}
}

// bound caps a wait at maxHold.
func (a *adaptiveLimit) bound(d time.Duration) time.Duration {
	if a.maxHold > 0 && d > a.maxHold {
		return a.maxHold
	}
	return d
}

// learnMargin notes that a probe sent after the window's end by this
// client's clock was still counted in that window: the clock is ahead of
// GitLab's, so probes wait a little longer after each reset.
func (a *adaptiveLimit) learnMargin() {
	a.margin = min(a.margin+marginStep, maxMargin)
}

// resetTime reads when GitLab's window ends: RateLimit-Reset as a Unix
// second (GitLab), or as a number of seconds from now (the IETF draft's
// form) when it is too small to be a date; else RateLimit-ResetTime.
func resetTime(h http.Header, now time.Time) (time.Time, bool) {
	if v := h.Get("RateLimit-Reset"); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
			if s < unixDateFloor {
				return now.Add(time.Duration(s) * time.Second), true
			}
			// A Unix second past what time.Time holds would wrap to the
			// past: a date that far is "too long to wait", not "now".
			if s-now.Unix() > maxServerWaitSeconds {
				return now.Add(maxServerWaitSeconds * time.Second), true
			}
			return time.Unix(s, 0), true
		}
	}
	if v := h.Get("RateLimit-ResetTime"); v != "" {
		if t, err := http.ParseTime(v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// maxRateLimitCount bounds the RateLimit-Remaining and RateLimit-Limit
// the adaptive limit takes in, so that no sum of them can overflow. No
// GitLab window holds a billion requests.
const maxRateLimitCount = 1 << 30

// unixDateFloor tells a Unix time (2001 onwards) from a number of seconds.
const unixDateFloor = 1_000_000_000

// sleepCtx sleeps d, or less when ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	return sleepOrWake(ctx, d, nil)
}

// sleepOrWake sleeps d, or less when ctx ends or wake is closed first.
func sleepOrWake(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
		return nil
	case <-t.C:
		return nil
	}
}

// limitedTransport waits for the client-side rate limits before each
// attempt and shows GitLab's RateLimit-* answers to the adaptive limit.
type limitedTransport struct {
	next    http.RoundTripper
	limiter *rateLimiter
}

// RoundTrip sends req once the limits allow it.
func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	l := t.limiter
	if l.bucket != nil {
		if err := l.bucket.wait(req.Context()); err != nil {
			transport.CloseBody(req)
			return nil, err
		}
	}
	if l.adaptive == nil {
		return t.next.RoundTrip(req)
	}
	tk, err := l.adaptive.acquire(req.Context())
	if err != nil {
		transport.CloseBody(req)
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	l.adaptive.observe(tk, resp)
	return resp, err
}
