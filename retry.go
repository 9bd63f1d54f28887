package integrations

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retryPolicy is how many times and how long the SDK retries.
type retryPolicy struct {
	max     int           // retries after the first attempt
	minWait time.Duration // first backoff
	maxWait time.Duration // cap on any one wait, Retry-After included
}

func defaultRetryPolicy() retryPolicy {
	return retryPolicy{max: 4, minWait: 500 * time.Millisecond, maxWait: 30 * time.Second}
}

// WithRetries sets the retry policy: at most max retries after the first
// attempt, waits starting at minWait and never longer than maxWait.
func WithRetries(max int, minWait, maxWait time.Duration) ClientOption {
	return func(c *core) error {
		if max < 0 || minWait < 0 || maxWait < minWait {
			return errorf("WithRetries(%d, %s, %s): need max >= 0 and 0 <= minWait <= maxWait", max, minWait, maxWait)
		}
		c.retry = retryPolicy{max: max, minWait: minWait, maxWait: maxWait}
		return nil
	}
}

// WithoutRetries sends every request once.
func WithoutRetries() ClientOption {
	return func(c *core) error {
		c.retry.max = 0
		return nil
	}
}

// newRetryingClient builds the go-retryablehttp client. It is built as a
// struct literal: retryablehttp.NewClient installs a logger that prints.
func (c *core) newRetryingClient() *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   c.newHTTPClient(),
		RetryWaitMin: c.retry.minWait,
		RetryWaitMax: c.retry.maxWait,
		RetryMax:     c.retry.max,
		CheckRetry:   checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// checkRetry retries 429, 502, 503 and 504 answers and network errors that
// go-retryablehttp deems recoverable; never another status, never after the
// context ends. 500 is not retried: GitLab answers 500 for bugs that a
// second try repeats.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	}
	return false, nil
}

// backoff honours Retry-After (seconds or HTTP date), then RateLimit-Reset
// (a Unix time), else backs off exponentially with full jitter; every wait
// is capped at max.
func (c *core) backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := serverWait(resp.Header, time.Now()); ok {
			return min2(d, max)
		}
	}
	wait := min << min2(attempt, 30)
	if wait <= 0 || wait > max {
		wait = max
	}
	if wait <= min {
		return wait
	}
	return min + rand.N(wait-min+1)
}

// serverWait reads how long GitLab asked the client to wait.
func serverWait(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max2(t.Sub(now), 0), true
		}
	}
	if v := h.Get("RateLimit-Reset"); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max2(time.Unix(s, 0).Sub(now), 0), true
		}
	}
	return 0, false
}

func min2[T int | time.Duration](a, b T) T {
	if a < b {
		return a
	}
	return b
}

func max2[T int | time.Duration](a, b T) T {
	if a > b {
		return a
	}
	return b
}
