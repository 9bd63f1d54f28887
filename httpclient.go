package integrations

import (
	"cmp"
	"crypto/tls"
	"net"
	"net/http"
	"time"

	"github.com/gitlabkit/integrations/internal/transport"
)

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
	var gate *transport.ConnGate
	if c.httpClient != nil {
		hc = *c.httpClient
	} else {
		bound = cmp.Or(c.requestBound, transport.DefaultRequestTimeout)
		var t *http.Transport
		t, gate = transport.New(c.baseURL, c.maxConns, bound)
		if c.rootCAs != nil {
			t.TLSClientConfig = &tls.Config{RootCAs: c.rootCAs, MinVersion: tls.VersionTLS12}
		}
		if c.baseURL.Scheme == "http" && !c.allowHTTP && net.ParseIP(c.baseURL.Hostname()) == nil {
			// http://localhost: loopback by its name, checked by its
			// address at every dial too (see parseBaseURL).
			gate.Dial = loopbackOnlyDial(transport.DialAddr(c.baseURL), gate.Dial)
		}
		hc = http.Client{Transport: t}
	}
	hc.CheckRedirect = transport.TokenSafeRedirects(c.baseURL.Scheme, c.baseURL.Host, hc.CheckRedirect)
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

// WithMaxConnections caps the TCP connections the SDK's own transport opens
// to GitLab at n; a request that finds them all busy waits for one. Set it
// to the number of goroutines that share the Client and no connection is
// ever opened beyond them. Without it the transport opens no more
// connections than requests in flight (its connection gate sees to that),
// so no more than the goroutines either; the cap is for a script that
// wants fewer. It cannot be combined with WithHTTPClient: set
// MaxConnsPerHost on that client's transport instead.
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
