package integrations

import (
	"errors"
	"net/http"
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
	if c.httpClient != nil {
		hc = *c.httpClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// The default keeps 2 idle connections a host, so a script on 32
		// goroutines would open and close connections all the time.
		t.MaxIdleConnsPerHost = 64
		// net/http dials a new connection for a request that finds the pool
		// empty, even if another connection frees up before the dial ends;
		// the spare one then idles. MaxConnsPerHost is the only bound on
		// that, so it is the caller's choice (WithMaxConnections).
		t.MaxConnsPerHost = c.maxConns
		hc = http.Client{Transport: t, Timeout: 2 * time.Minute}
	}
	hc.CheckRedirect = tokenSafeRedirects(c.baseURL.Scheme, c.baseURL.Host, hc.CheckRedirect)
	if c.limiter != nil {
		next := hc.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		hc.Transport = &limitedTransport{next: next, limiter: c.limiter}
	}
	return &hc
}

// WithMaxConnections caps the TCP connections the SDK's own transport opens
// to GitLab at n; a request that finds them all busy waits for one. Set it
// to the number of goroutines that share the Client and no connection is
// ever opened beyond them. Without it the transport reuses its connections
// but may open a few spare ones when many goroutines start at once. It
// cannot be combined with WithHTTPClient: set MaxConnsPerHost on that
// client's transport instead.
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
func tokenSafeRedirects(scheme, host string, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != scheme || req.URL.Host != host {
			for _, k := range credentialHeaders {
				req.Header.Del(k)
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return errors.New("stopped after 10 redirects")
		}
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

// withoutCredentials returns resp for the caller (WithResponseInto) with a
// copy of its request whose header lacks the token: the *http.Response
// handed out must not be a way to read the token back.
func withoutCredentials(resp *http.Response) *http.Response {
	if resp == nil || resp.Request == nil {
		return resp
	}
	out := *resp
	req := *resp.Request
	req.Header = resp.Request.Header.Clone()
	for _, k := range credentialHeaders[:3] {
		req.Header.Del(k)
	}
	out.Request = &req
	return &out
}
