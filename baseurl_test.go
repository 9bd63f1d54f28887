package integrations

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBaseURLErrorsNeverEchoASecret: a base URL refused for any reason (a
// query or userinfo holding a token, a fragment, a bad scheme, a bad port,
// a malformed escape, plain http) is named in the error by its scheme,
// host and path at most: never the value of the query, the userinfo or the
// fragment, and never the URL as given. Before the fix, 12 of these 14
// errors quoted the token.
func TestBaseURLErrorsNeverEchoASecret(t *testing.T) {
	t.Parallel()
	const secret = "glpat-SECRETVALUE"
	for _, raw := range []string{
		"https://gitlab.example.com/?private_token=" + secret,
		"https://gitlab.example.com?private_token=" + secret,
		"https://gitlab.example.com/api/v4?private_token=" + secret + "#x",
		"https://oauth2:" + secret + "@gitlab.example.com",
		"https://" + secret + "@gitlab.example.com",
		"https://gitlab.example.com/#private_token=" + secret,
		"ftp://gitlab.example.com/?private_token=" + secret,
		"gitlab.example.com?private_token=" + secret,
		"http://gitlab.example.com:" + secret + "/",
		"http://gitlab.example.com/?private_token=" + secret,
		"https://gitlab.example.com/%zz?private_token=" + secret,
		"https://[::1/?private_token=" + secret,
		"https://gitlab example.com/?private_token=" + secret,
		"https://gitlab.example.com/\n?private_token=" + secret,
	} {
		_, err := NewClient(relToken, WithBaseURL(raw))
		require.Error(t, err, raw)
		msg := err.Error()
		assert.NotContains(t, msg, "SECRETVALUE", "%q: the error holds the secret", raw)
		assert.NotContains(t, msg, raw, "%q: the error holds the whole URL", raw)
		assert.NotContains(t, msg, "private_token", "%q: the error holds the query", raw)
		requireNoToken(t, msg, raw)
	}
}

// TestPlainHTTPLoopbackIsByAddress: without WithInsecureHTTP, plain http is
// allowed to literal loopback addresses (127.0.0.0/8, ::1), and to the name
// localhost only when it resolves to loopback addresses alone. A name below
// .localhost (gitlab.localhost) is resolved through DNS like any other, so
// it needs WithInsecureHTTP: before the fix it was taken as loopback by its
// name.
func TestPlainHTTPLoopbackIsByAddress(t *testing.T) {
	t.Parallel()
	resolvesTo := func(addrs ...string) ClientOption {
		return func(c *core) error {
			c.lookupHost = func(_ context.Context, host string) ([]string, error) {
				if host != "localhost" {
					return nil, errors.New("unexpected lookup of " + host)
				}
				if len(addrs) == 0 {
					return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
				}
				return addrs, nil
			}
			return nil
		}
	}
	for _, tc := range []struct {
		url  string
		opts []ClientOption
		ok   bool
	}{
		{"http://127.0.0.1:3000", nil, true},
		{"http://127.9.8.7", nil, true},
		{"http://[::1]:3000", nil, true},
		{"http://localhost:3000", []ClientOption{resolvesTo("127.0.0.1", "::1")}, true},
		{"http://LOCALHOST:3000", []ClientOption{resolvesTo("127.0.0.1")}, true},
		{"http://localhost:3000", []ClientOption{resolvesTo("127.0.0.1", "10.0.0.5")}, false},
		{"http://localhost:3000", []ClientOption{resolvesTo("93.184.216.34")}, false},
		{"http://localhost:3000", []ClientOption{resolvesTo()}, false},
		{"http://gitlab.localhost", nil, false},
		{"http://gdk.localhost:3000", nil, false},
		{"http://localhost.example.com", nil, false},
		{"http://[::ffff:127.0.0.1]", nil, true},
		{"http://0.0.0.0", nil, false},
		{"http://10.0.0.5", nil, false},
	} {
		_, err := NewClient(relToken, append([]ClientOption{WithBaseURL(tc.url)}, tc.opts...)...)
		if tc.ok {
			assert.NoError(t, err, tc.url)
			continue
		}
		require.Error(t, err, tc.url)
		assert.Contains(t, err.Error(), "WithInsecureHTTP", tc.url)
		// With the opt-in, nothing is resolved and the URL is taken.
		_, err = NewClient(relToken, append([]ClientOption{WithBaseURL(tc.url), WithInsecureHTTP()}, tc.opts...)...)
		assert.NoError(t, err, tc.url)
	}
}

// fakeConn is a connection that only says where it goes.
type fakeConn struct {
	net.Conn
	remote net.Addr
	closed bool
}

func (c *fakeConn) RemoteAddr() net.Addr { return c.remote }
func (c *fakeConn) Close() error         { c.closed = true; return nil }

// TestLocalhostDialsOnlyLoopback: the SDK's own transport, for a plain-http
// base URL taken as loopback by the name localhost, refuses a connection
// that reached another address (a resolver that changed its answer since
// NewClient), closing it before anything is sent; a connection to
// loopback, and one to any other host, are left alone.
func TestLocalhostDialsOnlyLoopback(t *testing.T) {
	t.Parallel()
	var conns []*fakeConn
	dial := func(to string) func(context.Context, string, string) (net.Conn, error) {
		return func(context.Context, string, string) (net.Conn, error) {
			c := &fakeConn{remote: &net.TCPAddr{IP: net.ParseIP(to), Port: 80}}
			conns = append(conns, c)
			return c, nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()

	_, err := loopbackOnlyDial("localhost:3000", dial("10.0.0.5"))(ctx, "tcp", "localhost:3000")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "10.0.0.5")
	assert.Contains(t, err.Error(), "WithInsecureHTTP")
	assert.True(t, conns[0].closed, "the connection to 10.0.0.5 is closed")

	for _, to := range []string{"127.0.0.1", "::1"} {
		c, err := loopbackOnlyDial("localhost:3000", dial(to))(ctx, "tcp", "localhost:3000")
		require.NoError(t, err, to)
		assert.False(t, c.(*fakeConn).closed, to)
	}
	c, err := loopbackOnlyDial("localhost:3000", dial("10.0.0.5"))(ctx, "tcp", "proxy.example.com:3128")
	require.NoError(t, err, "another host (a proxy) is not the base URL's")
	assert.False(t, c.(*fakeConn).closed)
	assert.True(t, strings.HasPrefix(c.RemoteAddr().String(), "10.0.0.5"))
}

// TestLocalhostBaseURLWorks: http://localhost, resolved by the system and
// checked at the dial, reaches a loopback server through the SDK's own
// transport.
func TestLocalhostBaseURLWorks(t *testing.T) {
	t.Parallel()
	srv := newHeaderRecorder(t)
	c, err := NewClient(relToken, WithBaseURL(otherHostURL(t, srv.Server)), WithoutRetries())
	require.NoError(t, err)
	_, err = c.Slack.Get(context.Background(), ProjectID(1))
	require.NoError(t, err)
	assert.Len(t, srv.headers(), 1)
}
