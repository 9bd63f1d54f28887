// Package transport is how the SDK's requests reach GitLab below the
// Client: its own HTTP transport (a connection pool sized for many
// goroutines, every request bounded from sending it to the end of its
// answer, and a gate that dials no connection a request does not need),
// redirect following, and the redirect policy that keeps the token and a
// Set's body on the configured GitLab.
//
// What it promises: Send behaves as http.Client.Do (the same hops, headers,
// answers and error text, which follow_test.go checks against net/http on
// every kind of redirect), without Do's per-call copies; the own transport
// opens no more connections than requests in flight; a request that gets no
// complete answer within its bound fails with a *RequestTimeoutError that
// matches context.DeadlineExceeded; TokenSafeRedirects drops the credential
// headers on any redirect off the configured scheme and host and refuses,
// with a *RedirectError, the redirects that would lose or misreport a change.
//
// Who uses it: the root package's Client, which builds its http.Client from
// New and TokenSafeRedirects, sends every attempt through Send, and hands
// answers to callers through WithoutCredentials. It knows nothing of GitLab's
// API and does not import the root package.
package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// New returns the SDK's own transport: a connection pool sized for many
// goroutines, whose every request is bounded to bound, from sending it to
// the end of its answer's body, and whose dials its ConnGate keeps to the
// requests in flight.
//
// The bound costs nothing a request. http.Client.Timeout, or a context
// deadline set on each request, costs 8 to 18 allocations a call (a timer,
// its callback, a context, a copy of the request, the transport's child
// context of a cancellable parent). Instead, every connection the
// transport dials sets its deadline to bound past each write: a request's
// answer, header and body, must arrive within bound of the request's last
// byte. Over HTTPS, ResponseHeaderTimeout bounds the wait for an answer per
// request as well, for HTTP/2, where requests share a connection and
// another request's writes move the connection's deadline. Plain http://
// speaks HTTP/1.1 only (one request at a time on a connection), where the
// deadline is the whole bound and the per-request timer (3 allocations)
// would buy nothing.
func New(base *url.URL, maxConns int, bound time.Duration) (*http.Transport, *ConnGate) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// The default keeps 2 idle connections a host: a script on 32
	// goroutines would close and dial connections all the time.
	t.MaxIdleConnsPerHost = maxIdlePerHost
	t.MaxIdleConns = max(t.MaxIdleConns, maxIdlePerHost)
	// WithMaxConnections: a hard cap, for a caller who knows its
	// concurrency; without it, the gate keeps the connections to the
	// requests in flight.
	t.MaxConnsPerHost = maxConns
	if base.Scheme != "http" {
		t.ResponseHeaderTimeout = bound
	}
	gate := NewConnGate(base, t.DialContext, bound)
	t.DialContext = gate.DialContext
	return t, gate
}

// maxIdlePerHost is how many idle connections the SDK's own transport keeps
// to GitLab: more than any script's goroutines, so that a connection freed
// by one goroutine waits for the next request instead of being closed and
// dialled again.
const maxIdlePerHost = 1024

// DefaultRequestTimeout bounds one request of the SDK's own transport, from
// sending it to the end of its answer's body. Each redirect followed and
// each retry is a request of its own. A context with an earlier deadline
// ends it sooner; WithHTTPClient replaces the transport and this timeout.
const DefaultRequestTimeout = 2 * time.Minute

// RequestTimeoutError is a request of the SDK's own transport that reached
// its bound. It matches context.DeadlineExceeded, as the context deadline
// that once made the bound did, so that the retry policy does not send the
// request again (a server that does not answer in 2 minutes would not
// answer the retry either) and callers test it the same way.
type RequestTimeoutError struct {
	bound time.Duration
	err   error
}

// Error names the bound and the timeout that reached it.
func (e *RequestTimeoutError) Error() string {
	return fmt.Sprintf("no complete answer within %v of sending the request (the SDK transport's bound): %v", e.bound, e.err)
}

// Unwrap returns context.DeadlineExceeded and the timeout.
func (e *RequestTimeoutError) Unwrap() []error { return []error{context.DeadlineExceeded, e.err} }

// Timeout reports true, as the net.Error it wraps does.
func (e *RequestTimeoutError) Timeout() bool { return true }

// AsRequestTimeout turns a timeout of the SDK's own transport (a bounded
// connection's deadline, or ResponseHeaderTimeout) into a
// RequestTimeoutError, and leaves any other error as it is: the caller's
// context ending (ctx), and a dial that timed out (the dialer's own 30 s),
// which is retried as before.
func AsRequestTimeout(ctx context.Context, err error, bound time.Duration) error {
	if bound <= 0 || err == nil {
		return err // the common case: no error, and nothing allocated for errors.As
	}
	return timedOut(ctx, err, bound)
}

func timedOut(ctx context.Context, err error, bound time.Duration) error {
	var ne net.Error
	if ctx.Err() != nil || !errors.As(err, &ne) || !ne.Timeout() {
		return err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return err
	}
	return &RequestTimeoutError{bound: bound, err: err}
}
