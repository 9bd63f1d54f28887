package integrations

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// credentialHeaders carry the caller's identity: the token in any of its
// three forms, and the user a Sudo call acts as.
var credentialHeaders = [...]string{"PRIVATE-TOKEN", "JOB-TOKEN", "Authorization", "Sudo"}

// maxRedirects is how many redirects one attempt follows, as net/http does.
const maxRedirects = 10

// newHTTPClient returns the HTTP client requests go through: the caller's,
// copied, or one with a connection pool sized for many goroutines. Either
// way its redirect policy drops the token when a redirect leaves the
// configured scheme and host (Go's client forwards custom headers such as
// PRIVATE-TOKEN to wherever a redirect points), and its transport applies
// the client-side rate limits to every attempt, retries and redirects
// included.
func (c *core) newHTTPClient() *http.Client {
	var hc http.Client
	var bound time.Duration
	var gate *connGate
	if c.httpClient != nil {
		hc = *c.httpClient
	} else {
		bound = cmp.Or(c.requestBound, defaultRequestTimeout)
		var t *http.Transport
		t, gate = ownTransport(c.baseURL, c.maxConns, bound)
		if c.rootCAs != nil {
			t.TLSClientConfig = &tls.Config{RootCAs: c.rootCAs, MinVersion: tls.VersionTLS12}
		}
		if c.baseURL.Scheme == "http" && !c.allowHTTP && net.ParseIP(c.baseURL.Hostname()) == nil {
			// http://localhost: loopback by its name, checked by its
			// address at every dial too (see parseBaseURL).
			gate.dial = loopbackOnlyDial(dialAddr(c.baseURL), gate.dial)
		}
		hc = http.Client{Transport: t}
	}
	hc.CheckRedirect = tokenSafeRedirects(c.baseURL.Scheme, c.baseURL.Host, hc.CheckRedirect)
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	if c.limiter != nil {
		next = &limitedTransport{next: next, limiter: c.limiter}
	}
	hc.Transport = answerReader{next: next, timeout: bound, gate: gate}
	return &hc
}

// ownTransport is the SDK's own transport: a connection pool sized for many
// goroutines, whose every request is bounded to bound, from sending it to
// the end of its answer's body, and whose dials its connGate keeps to the
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
func ownTransport(base *url.URL, maxConns int, bound time.Duration) (*http.Transport, *connGate) {
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
	gate := newConnGate(base, t.DialContext, bound)
	t.DialContext = gate.dialContext
	return t, gate
}

// maxIdlePerHost is how many idle connections the SDK's own transport keeps
// to GitLab: more than any script's goroutines, so that a connection freed
// by one goroutine waits for the next request instead of being closed and
// dialled again.
const maxIdlePerHost = 1024

// requestTimeoutError is a request of the SDK's own transport that reached
// its bound. It matches context.DeadlineExceeded, as the context deadline
// that once made the bound did, so that the retry policy does not send the
// request again (a server that does not answer in 2 minutes would not
// answer the retry either) and callers test it the same way.
type requestTimeoutError struct {
	bound time.Duration
	err   error
}

func (e *requestTimeoutError) Error() string {
	return fmt.Sprintf("no complete answer within %v of sending the request (the SDK transport's bound): %v", e.bound, e.err)
}

func (e *requestTimeoutError) Unwrap() []error { return []error{context.DeadlineExceeded, e.err} }

// Timeout reports true, as the net.Error it wraps does.
func (e *requestTimeoutError) Timeout() bool { return true }

// asRequestTimeout turns a timeout of the SDK's own transport (a bounded
// connection's deadline, or ResponseHeaderTimeout) into a
// requestTimeoutError, and leaves any other error as it is: the caller's
// context ending (ctx), and a dial that timed out (the dialer's own 30 s),
// which is retried as before.
func asRequestTimeout(ctx context.Context, err error, bound time.Duration) error {
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
	return &requestTimeoutError{bound: bound, err: err}
}

// answerReader reads every answer's body (up to maxResponseBytes for a 2xx,
// maxErrorBody for any other status) before
// handing the answer on, so that an answer cut off mid-body is a failed
// attempt like a reset before the status line: a 2xx to a GET or DELETE
// whose body breaks off is retried by the retry policy. Other answers keep
// what was read and the error, for do to report (a PUT is not sent again
// once GitLab has answered it; an error status is the news either way).
//
// With the SDK's own transport it also names a request that reached the
// transport's bound as such (requestTimeoutError).
//
// It has no CloseIdleConnections method, on purpose. go-retryablehttp, which
// the SDK once sent through, calls http.Client.CloseIdleConnections after
// every call that fails (a context cancelled before anything was sent
// included), which would empty the connection pool every goroutine of the
// Client shares and, with a WithHTTPClient client on http.DefaultTransport,
// that of unrelated code. Behind answerReader, nothing can.
type answerReader struct {
	next    http.RoundTripper
	timeout time.Duration // the SDK's own transport's bound; 0 with WithHTTPClient
	gate    *connGate     // the SDK's own transport's; nil with WithHTTPClient
}

// defaultRequestTimeout bounds one request of the SDK's own transport, from
// sending it to the end of its answer's body. Each redirect followed and
// each retry is a request of its own. A context with an earlier deadline
// ends it sooner; WithHTTPClient replaces the transport and this timeout.
const defaultRequestTimeout = 2 * time.Minute

// RoundTrip sends req and reads the answer's body.
func (a answerReader) RoundTrip(req *http.Request) (*http.Response, error) {
	// A call's first answer goes into the room its context has for one.
	var ra *readAnswer
	if cc, ok := req.Context().(*callContext); ok && !cc.answerUsed {
		ra, cc.answerUsed = &cc.answer, true
	}
	if a.gate != nil {
		// In flight until its body is read: the connection is back in
		// the pool by then.
		defer a.gate.end(a.gate.begin(req.URL))
	}
	resp, err := a.next.RoundTrip(req)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, asRequestTimeout(req.Context(), err, a.timeout)
	}
	var data []byte
	var readErr error
	if resp.StatusCode/100 == 2 {
		data, readErr = readBoundedSized(resp.Body, resp.ContentLength)
	} else {
		// An error or a redirect: its first 64 KiB, read once; the
		// rest is left unread, and Close drops the connection.
		var cut bool
		if data, cut, readErr = readErrorBody(resp.Body, resp.ContentLength); cut && readErr == nil {
			readErr = errorBodyCut
		}
	}
	readErr = asRequestTimeout(req.Context(), readErr, a.timeout)
	_ = resp.Body.Close()
	if readErr != nil && !errors.Is(readErr, ErrInvalidResponse) {
		readErr = &brokenAnswerError{status: resp.StatusCode, read: len(data), err: readErr}
		if resp.StatusCode/100 == 2 && (req.Method == http.MethodGet || req.Method == http.MethodDelete) {
			return nil, readErr
		}
	}
	if ra == nil {
		ra = new(readAnswer)
	}
	*ra = readAnswer{data: data, err: readErr}
	ra.r.Reset(data) // the body and its reader in one piece
	resp.Body = ra
	return resp, nil
}

// readAnswer is an answer's body as answerReader read it: do takes data
// and err as they are, anything else reads it as a body.
type readAnswer struct {
	r    bytes.Reader
	data []byte
	err  error // why the read stopped early; nil when the body was read whole
}

// Read reads the body, then the error that stopped answerReader's read
// early (so that code reading it through a wrapper, such as the body
// http.Client.Timeout puts in place, still sees it) or io.EOF.
func (r *readAnswer) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err == io.EOF && r.err != nil {
		return n, r.err
	}
	return n, err
}

// Close does nothing: the body was read and closed already.
func (*readAnswer) Close() error { return nil }

// brokenAnswerError is an answer whose body could not be read to its end
// (a reset, a connection closed early). It matches ErrInvalidResponse and
// the read's own error (errors.Is(err, syscall.ECONNRESET)).
type brokenAnswerError struct {
	status int
	read   int
	err    error
}

func (e *brokenAnswerError) Error() string {
	return fmt.Sprintf("%v: the %d answer broke off after %d bytes of its body: %v", ErrInvalidResponse, e.status, e.read, e.err)
}

func (e *brokenAnswerError) Unwrap() []error { return []error{ErrInvalidResponse, e.err} }

// WithMaxConnections caps the TCP connections the SDK's own transport opens
// to GitLab at n; a request that finds them all busy waits for one. Set it
// to the number of goroutines that share the Client and no connection is
// ever opened beyond them. Without it the transport opens no more
// connections than requests in flight (see connGate), so no more than the
// goroutines either; the cap is for a script that wants fewer. It cannot
// be combined with WithHTTPClient: set MaxConnsPerHost on that client's
// transport instead.
func WithMaxConnections(n int) ClientOption {
	return func(c *core) error {
		if n < 1 || n > maxConnections {
			return errorf("WithMaxConnections(%d): need at least 1 and at most %d", n, maxConnections)
		}
		c.maxConns = n
		return nil
	}
}

// maxConnections bounds WithMaxConnections: more than a loopback port range.
const maxConnections = 1 << 16

// tokenSafeRedirects returns a redirect policy that removes the credential
// headers from a redirected request whose scheme or host differs from the
// configured one (an https to http downgrade included), then defers to next,
// the caller's own policy, or stops after maxRedirects.
//
// It refuses three redirects outright, with a *redirectError: one that
// would change the method (a 301, 302 or 303 turns a PUT or DELETE into a
// GET, which would report success with nothing changed); one that takes a
// call that changes something (PUT, POST, DELETE, PATCH) to another scheme
// or host than the configured GitLab, whatever the status (the other host
// would get the call without the token, and its answer would not be the
// change made on GitLab: a Delete redirected 307 there once reported
// success); and one that would send a request body (a Set's settings,
// secrets included) to another scheme or host.
//
// Here the SDK deliberately differs from http.Client, which follows all of
// them; a GET or HEAD is still followed anywhere, without the token.
func tokenSafeRedirects(scheme, host string, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		elsewhere := req.URL.Scheme != scheme || req.URL.Host != host
		if len(via) > 0 {
			first, method := via[0], methodOf(via[0])
			switch {
			case methodOf(req) != method:
				return newRedirectError(req, method, fmt.Sprintf("following it would turn the %s into a %s, which changes nothing on GitLab", method, methodOf(req)))
			case elsewhere && changesSomething(method):
				return newRedirectError(req, method, fmt.Sprintf(
					"following it would send the %s to %s, not the configured GitLab (%s), and what %s answered would not be the change made on GitLab",
					method, req.URL.Host, host, req.URL.Host))
			case elsewhere && first.ContentLength != 0:
				return newRedirectError(req, method, "following it would send the request's body, with any secret in it, to another host than the configured GitLab")
			}
		}
		if elsewhere {
			for _, k := range credentialHeaders {
				req.Header.Del(k)
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return newRedirectError(req, methodOf(via[0]), "stopped after 10 redirects (a redirect loop?)")
		}
		return nil
	}
}

// changesSomething reports whether a request with method may change
// something on the server: anything but GET, HEAD and OPTIONS.
func changesSomething(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// methodOf is req's method; "" means GET.
func methodOf(req *http.Request) string {
	if req.Method == "" {
		return http.MethodGet
	}
	return req.Method
}

// redirectError is a redirect the SDK will not follow. It is never
// retried: the same request would be redirected the same way.
type redirectError struct {
	status   int
	method   string
	location string // the redirect's target, without credentials
	suggest  string // a base URL to use instead
	why      string
}

func newRedirectError(req *http.Request, method, why string) *redirectError {
	e := &redirectError{method: method, location: req.URL.Redacted(), why: why,
		suggest: (&url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host}).String()}
	if req.Response != nil {
		e.status = req.Response.StatusCode
	}
	return e
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("the %s was answered %d %s with Location %s; %s, so the SDK does not follow it: "+
		"set the base URL (WithBaseURL) to where GitLab answers without a redirect (%s?)",
		e.method, e.status, http.StatusText(e.status), e.location, e.why, e.suggest)
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
			closeBody(req)
			return nil, err
		}
	}
	if l.adaptive == nil {
		return t.next.RoundTrip(req)
	}
	tk, err := l.adaptive.acquire(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	l.adaptive.observe(tk, resp)
	return resp, err
}

// closeBody closes the body of a request that will not be sent, as a
// RoundTripper must.
func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// withoutCredentials returns resp for the caller (WithResponseInto) with
// copies of the requests reachable from it (its request, and through the
// redirect responses every request before it) whose headers lack the token
// and whose bodies are gone: the *http.Response handed out must not be a
// way to read the token, or a Set's secrets, back.
func withoutCredentials(resp *http.Response) *http.Response {
	if resp == nil {
		return nil
	}
	out := *resp
	if resp.Request != nil {
		out.Request = requestWithoutCredentials(resp.Request, maxRedirects+1)
	}
	return &out
}

// requestWithoutCredentials copies r as withoutCredentials needs, following
// at most depth redirect responses back.
func requestWithoutCredentials(r *http.Request, depth int) *http.Request {
	req := *r
	req.Header = r.Header.Clone()
	for _, k := range credentialHeaders[:3] {
		req.Header.Del(k)
	}
	req.Body, req.GetBody = http.NoBody, nil
	req.Response = nil
	if r.Response != nil && depth > 0 {
		prev := *r.Response
		prev.Body = http.NoBody
		if prev.Request != nil {
			prev.Request = requestWithoutCredentials(prev.Request, depth-1)
		}
		req.Response = &prev
	}
	return &req
}
