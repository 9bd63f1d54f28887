package transport

import (
	"context"
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// ConnGate keeps the SDK's own transport from dialling connections no
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
type ConnGate struct {
	mu    sync.Mutex
	hosts map[string]*hostConns
	// wake is made by a held dial and closed when a count changes.
	wake chan struct{}
	// Dial dials for the gate; tests wrap it, before the first request.
	Dial  func(ctx context.Context, network, addr string) (net.Conn, error)
	bound time.Duration // the connections' read bound (boundedConn)
	// SurplusWait is how long a held dial waits for requests to outnumber
	// the connections before it is dropped (defaultSurplusWait); tests
	// shorten it, before the first request.
	SurplusWait time.Duration
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

// ErrSurplusDial drops a dial that no request needs. A request that did
// wait for it (none should) sees a dial error, which the retry policy
// retries.
var ErrSurplusDial = errors.New("integrations: dial dropped: the connections open already serve every request in flight")

// NewConnGate returns a gate for a transport whose requests mostly go to
// base, dialling with dial; the connections it dials must be read within
// bound of their last write.
func NewConnGate(base *url.URL, dial func(ctx context.Context, network, addr string) (net.Conn, error), bound time.Duration) *ConnGate {
	return &ConnGate{hosts: map[string]*hostConns{}, Dial: dial, bound: bound, SurplusWait: defaultSurplusWait,
		baseHost: base.Host, baseKey: DialAddr(base)}
}

// DialAddr is the address the transport dials for u (no proxy): its host
// with the scheme's port when it has none.
func DialAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// Begin counts a request to u in flight, until End is called with the key
// it returns.
func (g *ConnGate) Begin(u *url.URL) string {
	key := g.baseKey
	if u.Host != g.baseHost {
		key = DialAddr(u)
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

// End counts the request Begin returned key for done.
func (g *ConnGate) End(key string) {
	g.mu.Lock()
	g.hosts[key].inFlight--
	g.mu.Unlock()
}

// changedLocked wakes the held dials, if any: wake exists only while one
// waits, so a change costs nothing otherwise.
func (g *ConnGate) changedLocked() {
	if g.wake != nil {
		close(g.wake)
		g.wake = nil
	}
}

// DialContext is the transport's DialContext: dial, unless every request
// to addr has a connection already.
func (g *ConnGate) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var timer *time.Timer
	g.mu.Lock()
	h := g.hosts[addr]
	for h != nil && h.open+h.dialing >= h.inFlight {
		if timer == nil {
			timer = time.NewTimer(g.SurplusWait)
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
			err = ErrSurplusDial
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

	conn, err := g.Dial(ctx, network, addr)

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
func (g *ConnGate) closed(h *hostConns) {
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
	gate   *ConnGate
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
