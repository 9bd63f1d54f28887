package integrations

import (
	"context"
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// connGate keeps the SDK's own transport from dialling connections no
// request needs.
//
// net/http dials for every request that finds no idle connection, and does
// not cancel the dial when another connection frees up and serves that
// request first; the dialled connection then idles. When many goroutines
// start at once, or the machine is busy and dials are slow, one freed
// connection after another goes to a request still waiting for its dial,
// and the goroutine that freed it dials again: a Client on 32 goroutines
// ended up with 40 or more connections. The gate counts, per host, the
// requests in flight through the Client and the connections open or being
// dialled, and holds a dial while there are already as many connections as
// requests: one of them is free, or about to be. A held dial goes ahead as
// soon as requests outnumber connections again; if that does not happen
// within defaultSurplusWait, its request was served by another connection (or
// gave up), and the dial is dropped without connecting.
//
// A host the gate has seen no request for (a proxy, say) is never held.
type connGate struct {
	mu    sync.Mutex
	hosts map[string]*hostConns
	// wake is made by a held dial and closed when a count changes.
	wake  chan struct{}
	dial  func(ctx context.Context, network, addr string) (net.Conn, error)
	bound time.Duration // the connections' read bound (boundedConn)
	// surplusWait is how long a held dial waits for requests to outnumber
	// the connections before it is dropped (defaultSurplusWait).
	surplusWait time.Duration
	// baseHost and baseKey are the base URL's host and its dial address,
	// computed once: nearly every request goes there.
	baseHost, baseKey string
}

type hostConns struct {
	inFlight, open, dialing int
}

// defaultSurplusWait is how long a held dial waits for requests to
// outnumber the connections before it is dropped.
const defaultSurplusWait = 5 * time.Second

// errSurplusDial drops a dial that no request needs. A request that did
// wait for it (none should) sees a dial error, which the retry policy
// retries.
var errSurplusDial = errors.New("integrations: dial dropped: the connections open already serve every request in flight")

func newConnGate(base *url.URL, dial func(ctx context.Context, network, addr string) (net.Conn, error), bound time.Duration) *connGate {
	return &connGate{hosts: map[string]*hostConns{}, dial: dial, bound: bound, surplusWait: defaultSurplusWait,
		baseHost: base.Host, baseKey: dialAddr(base)}
}

// dialAddr is the address the transport dials for u (no proxy): its host
// with the scheme's port when it has none.
func dialAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// begin counts a request to u in flight; end counts it done.
func (g *connGate) begin(u *url.URL) string {
	key := g.baseKey
	if u.Host != g.baseHost {
		key = dialAddr(u)
	}
	g.mu.Lock()
	h := g.hosts[key]
	if h == nil {
		h = new(hostConns)
		g.hosts[key] = h
	}
	h.inFlight++
	g.changedLocked()
	g.mu.Unlock()
	return key
}

func (g *connGate) end(key string) {
	g.mu.Lock()
	g.hosts[key].inFlight--
	g.mu.Unlock()
}

// changedLocked wakes the held dials, if any: wake exists only while one
// waits, so a change costs nothing otherwise.
func (g *connGate) changedLocked() {
	if g.wake != nil {
		close(g.wake)
		g.wake = nil
	}
}

// dialContext is the transport's DialContext: dial, unless every request
// to addr has a connection already.
func (g *connGate) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var timer *time.Timer
	g.mu.Lock()
	h := g.hosts[addr]
	for h != nil && h.open+h.dialing >= h.inFlight {
		if timer == nil {
			timer = time.NewTimer(g.surplusWait)
			defer timer.Stop()
		}
		if g.wake == nil {
			g.wake = make(chan struct{})
		}
		wake := g.wake
		g.mu.Unlock()
		var err error
		select {
		case <-wake:
		case <-timer.C:
			err = errSurplusDial
		case <-ctx.Done():
			err = ctx.Err()
		}
		g.mu.Lock()
		if err != nil {
			g.mu.Unlock()
			return nil, err
		}
	}
	if h != nil {
		h.dialing++
	}
	g.mu.Unlock()

	conn, err := g.dial(ctx, network, addr)

	g.mu.Lock()
	defer g.mu.Unlock()
	if h != nil {
		h.dialing--
		if err == nil {
			h.open++
		}
		g.changedLocked()
	}
	if err != nil {
		return nil, err
	}
	return &boundedConn{Conn: conn, bound: g.bound, gate: g, host: h}, nil
}

// closed counts a connection to h closed.
func (g *connGate) closed(h *hostConns) {
	g.mu.Lock()
	h.open--
	g.changedLocked()
	g.mu.Unlock()
}

// boundedConn is a connection whose reads must be done within bound of its
// last write: each request written moves the deadline, so an answer that
// never comes, or stalls mid-body, ends bound after its request. An idle
// connection reaches the deadline too, and is then closed, as the pool's
// IdleConnTimeout (90 s) would have done before. Closing it tells the gate.
type boundedConn struct {
	net.Conn
	bound  time.Duration
	gate   *connGate
	host   *hostConns // nil: not counted
	closed atomic.Bool
}

func (c *boundedConn) Write(p []byte) (int, error) {
	if err := c.Conn.SetDeadline(time.Now().Add(c.bound)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

func (c *boundedConn) Close() error {
	if c.host != nil && c.closed.CompareAndSwap(false, true) {
		c.gate.closed(c.host)
	}
	return c.Conn.Close()
}
