package integrations

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gitlabkit/integrations/internal/transport"
	"github.com/hashicorp/go-retryablehttp"
)

// retryPolicy is how many times and how long the SDK retries.
type retryPolicy struct {
	max     int           // retries after the first attempt
	minWait time.Duration // first backoff
	maxWait time.Duration // cap on any one wait, GitLab's included
	budget  time.Duration // no retry starts later than this after the first attempt
}

// The defaults: a minute covers GitLab.com's rate-limit windows (Retry-After
// is at most 60 seconds there), and two minutes bound a call's retrying.
func defaultRetryPolicy() retryPolicy {
	return retryPolicy{max: 4, minWait: 500 * time.Millisecond, maxWait: time.Minute, budget: 2 * time.Minute}
}

// WithRetries sets the retry policy: at most max retries after the first
// attempt, waits starting at minWait and doubling, never longer than
// maxWait. A wait GitLab asks for (Retry-After, RateLimit-Reset) is honoured
// as asked; when it is longer than maxWait, the call does not retry and
// returns GitLab's answer at once. The defaults are 4, 500ms and 1m; max
// may be at most 100 and maxWait at most 24 hours. WithAdaptiveRateLimit
// never holds the client longer than maxWait either.
func WithRetries(max int, minWait, maxWait time.Duration) ClientOption {
	return func(c *core) error {
		if max < 0 || max > maxRetries || minWait < 0 || maxWait < minWait || maxWait > maxRetryWait {
			return errorf("WithRetries(%d, %s, %s): need 0 <= max <= %d and 0 <= minWait <= maxWait <= %s", max, minWait, maxWait, maxRetries, maxRetryWait)
		}
		c.retry.max, c.retry.minWait, c.retry.maxWait = max, minWait, maxWait
		return nil
	}
}

// WithRetryBudget bounds the time one call spends retrying: no retry starts
// later than total after the call's first attempt, and a wait that would
// end past it is not begun (the call returns GitLab's last answer instead).
// The default is 2 minutes; at most 24 hours.
func WithRetryBudget(total time.Duration) ClientOption {
	return func(c *core) error {
		if total <= 0 || total > maxRetryWait {
			return errorf("WithRetryBudget(%s): need a positive duration of at most %s", total, maxRetryWait)
		}
		c.retry.budget = total
		return nil
	}
}

// The bounds of the retry options: more retries or longer waits than
// these are a mistake in a script, not a policy.
const (
	maxRetries   = 100
	maxRetryWait = 24 * time.Hour
)

// WithoutRetries sends every request once.
func WithoutRetries() ClientOption {
	return func(c *core) error {
		c.retry.max = 0
		return nil
	}
}

// send sends o, retrying as the policy says. The decision to retry depends
// on the call's history (attempts made, time spent, the context's
// deadline), which o.call keeps.
//
// The loop is the one go-retryablehttp's Client.Do ran for the SDK (with
// PassthroughErrorHandler), without its per-call client, request wrapper
// and callbacks, and without the CloseIdleConnections it calls after
// every failed call, which would empty the pool every goroutine of the
// Client shares.
func (c *core) send(o *outgoing) (*http.Response, error) {
	req := &o.http
	r := &o.call
	*r = retryCall{
		policy: c.retry,
		logger: c.logger,
		method: req.Method,
		url:    req.URL, // printed only for a log record or an error
		start:  time.Now(),
	}
	resp, err := r.attempt(c.http, o)
	if err == nil {
		return resp, nil
	}
	var early *deadlineFirstError
	if errors.As(err, &early) {
		// The deadline would pass during the wait: stop now, with what
		// GitLab answered.
		stopped := &retryStoppedError{ctxErr: context.DeadlineExceeded, wait: early.wait, early: true, netErr: early.netErr}
		if resp != nil {
			body := answerBody(resp)
			_ = resp.Body.Close()
			stopped.answer = newError(r.method, r.url.String(), resp, body)
		}
		return nil, stopped
	}
	if resp != nil {
		_ = resp.Body.Close()
	}
	if ctxErr := req.Context().Err(); ctxErr != nil && r.waiting > 0 {
		// The context ended during a wait: say so, with GitLab's last
		// answer, which errors.As still finds.
		return nil, &retryStoppedError{ctxErr: ctxErr, wait: r.waiting, answer: r.lastAnswer(), netErr: r.lastErr}
	}
	if r.attempts > 1 {
		return nil, fmt.Errorf("giving up after %d attempts: %w", r.attempts, err)
	}
	return nil, err
}

// retryCall is the state of one call's retries.
type retryCall struct {
	policy   retryPolicy
	logger   *slog.Logger
	method   string
	url      *url.URL
	start    time.Time
	attempts int           // attempts made so far
	wait     time.Duration // the wait check chose before the next attempt
	waiting  time.Duration // the wait under way, 0 when none is
	lastResp *http.Response
	lastBody []byte
	lastErr  error
}

// attempt sends o until an answer or error the policy does not retry, or
// the retries are spent, and returns the last answer and error.
func (r *retryCall) attempt(hc *http.Client, o *outgoing) (*http.Response, error) {
	req := &o.http
	ctx := req.Context()
	for i := 0; ; i++ {
		if i > 0 && o.payload != nil {
			req.Body, _ = o.newBody()
		}
		resp, doErr := transport.Send(hc, req)
		retry, checkErr := r.check(ctx, resp, doErr)
		if !retry || i >= r.policy.max {
			return resp, cmp.Or(checkErr, doErr)
		}
		if doErr == nil {
			// check kept a copy of the body; this frees the connection.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
			_ = resp.Body.Close()
		}
		timer := time.NewTimer(r.wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
		// The next attempt gets a request of its own: the transport may
		// still be closing this one's body.
		next := *req
		req = &next
	}
}

// check decides whether to retry after each
// attempt, and how long to wait first.
func (r *retryCall) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	r.attempts++
	r.waiting = 0
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if ok, _ := checkRetry(ctx, resp, err); !ok || r.attempts > r.policy.max {
		return false, nil
	}
	if r.method == http.MethodPost && (resp == nil || resp.StatusCode != http.StatusTooManyRequests) {
		// A POST (a slash command trigger) may have acted before its
		// answer was lost or failed: only a 429, which GitLab answers
		// before acting, is sent again.
		return false, nil
	}
	now := time.Now()
	wait, fromServer := r.policy.delay(r.attempts, resp, now)
	stop := ""
	var stopErr error
	switch {
	case fromServer && wait > r.policy.maxWait:
		stop = "GitLab asked for a wait longer than the longest the retry policy allows"
	case now.Add(wait).Sub(r.start) > r.policy.budget:
		stop = "the wait would end past the retry budget"
	default:
		if deadline, ok := ctx.Deadline(); ok && now.Add(wait).After(deadline) {
			stop = "the wait would end past the context's deadline"
			stopErr = &deadlineFirstError{wait: wait, netErr: err}
		}
	}
	attrs := []slog.Attr{
		slog.String("method", r.method), slog.String("url", r.url.String()),
		slog.Int("attempt", r.attempts), slog.Duration("wait", wait),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	} else {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	if stop != "" {
		r.logger.LogAttrs(ctx, slog.LevelDebug, "gitlab retry skipped: "+stop, attrs...)
		return false, stopErr
	}
	r.logger.LogAttrs(ctx, slog.LevelDebug, "gitlab retry", attrs...)
	// Keep the answer: if the context ends during the wait, the error
	// still says what GitLab answered. attempt drains the body next, so
	// it reads this copy.
	r.lastResp, r.lastBody, r.lastErr = nil, nil, err
	if resp != nil {
		// The body answerReader read, kept without a copy (a 503 of
		// 64 KiB is not copied again on every attempt).
		body := answerBody(resp)
		if _, read := resp.Body.(*readAnswer); !read {
			_ = resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
		}
		r.lastResp, r.lastBody = resp, body
	}
	r.wait, r.waiting = wait, wait
	return true, nil
}

// lastAnswer is GitLab's answer before the wait the context cut short.
func (r *retryCall) lastAnswer() *Error {
	if r.lastResp == nil {
		return nil
	}
	return newError(r.method, r.url.String(), r.lastResp, r.lastBody)
}

// deadlineFirstError tells send that check stopped retrying because the
// context's deadline comes before the wait would end.
type deadlineFirstError struct {
	wait   time.Duration
	netErr error
}

func (e *deadlineFirstError) Error() string {
	return fmt.Sprintf("the context's deadline comes before the %s wait to retry ends", e.wait)
}

// retryStoppedError is returned when the context ends while a call waits to
// retry, or would end before the wait does. It matches the context's error
// (errors.Is(err, context.Canceled) or context.DeadlineExceeded) and, when
// GitLab had answered, that answer's *Error (errors.As).
type retryStoppedError struct {
	ctxErr error
	wait   time.Duration
	early  bool   // the deadline had not passed yet, but would during the wait
	answer *Error // nil when the last attempt got no answer
	netErr error  // the last attempt's error when it got no answer
}

func (e *retryStoppedError) Error() string {
	msg := fmt.Sprintf("%v while waiting %s to retry", e.ctxErr, e.wait.Round(time.Millisecond))
	if e.early {
		msg = fmt.Sprintf("%v: the context's deadline comes before the %s wait to retry ends", e.ctxErr, e.wait.Round(time.Millisecond))
	}
	switch {
	case e.answer != nil:
		return fmt.Sprintf("%s; GitLab's last answer: %d %s: %s", msg, e.answer.StatusCode, http.StatusText(e.answer.StatusCode), e.answer.Message)
	case e.netErr != nil:
		return fmt.Sprintf("%s; the last attempt failed: %v", msg, e.netErr)
	}
	return msg
}

func (e *retryStoppedError) Unwrap() []error {
	errs := []error{e.ctxErr}
	if e.answer != nil {
		errs = append(errs, e.answer)
	}
	if e.netErr != nil {
		errs = append(errs, e.netErr)
	}
	return errs
}

// checkRetry is the retry policy by status: 429, 502, 503 and 504, and the
// network errors go-retryablehttp deems recoverable (refused or reset
// connections, timeouts; not TLS or redirect failures); never another
// status, never after the context ends. The GET, PUT and DELETE requests
// the SDK sends are idempotent, so a retry after a lost answer is safe; a
// POST (a slash command trigger) is not, and retryCall.check sends one
// again only after a 429.
//
// 500 is not retried. GitLab answers 500 for unhandled exceptions, which a
// second try repeats, and its body ({"message":"500 Internal Server
// Error"}) never says whether the fault was transient; failures of the
// layers in front of Rails (Workhorse, a proxy, a restarting Puma) come as
// 502, 503 or 504, which are retried.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			// A limiter's wait would pass the deadline: a retry would too.
			return false, nil
		}
		var redirect *transport.RedirectError
		if errors.As(err, &redirect) {
			return false, nil // a retry would be redirected the same way
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	}
	return false, nil
}

// delay is the wait before retry number attempt (1 for the first retry):
// what GitLab asked for, else exponential backoff with jitter. fromServer
// reports that GitLab set it. GitLab sends RateLimit-Reset on every answer
// of a throttled endpoint, so it is a wait only on a 429; Retry-After is one
// on any answer (GitLab and proxies send it with 503 too).
func (p retryPolicy) delay(attempt int, resp *http.Response, now time.Time) (wait time.Duration, fromServer bool) {
	if resp != nil {
		h := resp.Header
		if resp.StatusCode != http.StatusTooManyRequests {
			h = http.Header{"Retry-After": h.Values("Retry-After")}
		}
		if d, ok := serverWait(h, now); ok {
			return d, true
		}
	}
	return jitteredBackoff(p.minWait, p.maxWait, attempt), false
}

// jitteredBackoff is exponential backoff with "equal jitter": retry n waits
// between half and all of min·2^(n-1), capped at max. The random half keeps
// goroutines that failed together from retrying together; the fixed half
// keeps the wait growing.
func jitteredBackoff(min, max time.Duration, attempt int) time.Duration {
	if min <= 0 {
		return 0
	}
	ceiling := max
	if shift := attempt - 1; shift < 30 {
		if d := min << shift; d > 0 && d < max {
			ceiling = d
		}
	}
	half := ceiling / 2
	return half + rand.N(ceiling-half+1)
}

// serverWait reads how long GitLab asked the client to wait: Retry-After
// (seconds or an HTTP date) first, then RateLimit-Reset (GitLab's Unix
// second, or seconds from now), then RateLimit-ResetTime (an HTTP date).
func serverWait(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
			return time.Duration(min(s, maxServerWaitSeconds)) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	if t, ok := resetTime(h, now); ok {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// maxServerWaitSeconds keeps a absurd Retry-After from overflowing.
const maxServerWaitSeconds = 1 << 30
