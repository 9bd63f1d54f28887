package integrations

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newRequest builds requests without printing and re-parsing the URL; what
// it builds must be what retryablehttp.NewRequestWithContext built from the
// printed URL, header for header and byte for byte.
func TestNewRequestMatchesRetryablehttp(t *testing.T) {
	type ctxKey struct{}
	ctx := context.WithValue(context.Background(), ctxKey{}, "call")
	for _, tc := range []struct {
		name    string
		base    string
		opts    []ClientOption
		scope   Scope
		method  string
		payload []byte
		extra   []RequestOption
	}{
		{"get by path", "https://gitlab.example.com", nil, Project("acme/web.site"), http.MethodGet, nil, nil},
		{"get by id, sudo", "https://gitlab.example.com/", nil, ProjectID(42), http.MethodGet, nil, []RequestOption{WithSudo("alice")}},
		{"put, oauth", "https://gitlab.example.com:8443/gitlab", []ClientOption{WithTokenType(OAuthToken)}, Group("acme/platform"), http.MethodPut, []byte(`{"webhook":"https://x"}`), nil},
		{"put, job token, extra headers", "http://127.0.0.1:3000", []ClientOption{WithTokenType(JobToken), WithUserAgent("script/1")}, GroupID(7), http.MethodPut, []byte(`{}`),
			[]RequestOption{WithRequestHeader("X-Trace", "a"), WithRequestHeader("X-Trace", "b"), WithRequestHeader("accept", "text/plain")}},
		{"delete, empty port", "https://gitlab.example.com:", nil, Project("a/b"), http.MethodDelete, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(fakeToken, append([]ClientOption{WithBaseURL(tc.base)}, tc.opts...)...)
			require.NoError(t, err)
			var rc requestConfig
			for _, o := range tc.extra {
				o(&rc)
			}
			u := c.endpoint(tc.scope, "/integrations/slack")

			o, err := c.newRequest(ctx, tc.method, u, tc.payload, rc.header)
			require.NoError(t, err)
			got := &o.http

			// The construction newRequest replaces.
			want, err := retryablehttp.NewRequestWithContext(ctx, tc.method, u.String(), tc.payload)
			require.NoError(t, err)
			want.URL = u
			for k, vs := range rc.header {
				want.Header[k] = vs
			}
			want.Header.Set("Accept", "application/json")
			want.Header.Set("User-Agent", c.userAgent)
			if tc.payload != nil {
				want.Header.Set("Content-Type", "application/json")
			}
			switch c.tokenType {
			case OAuthToken:
				want.Header.Set("Authorization", "Bearer "+fakeToken)
			case JobToken:
				want.Header.Set("JOB-TOKEN", fakeToken)
			default:
				want.Header.Set("PRIVATE-TOKEN", fakeToken)
			}

			assert.Equal(t, want.Method, got.Method)
			assert.Equal(t, u, got.URL, "a copy of u, in the request's allocation")
			assert.Equal(t, want.URL.String(), got.URL.String())
			// The Host header sent: got leaves Request.Host empty (the
			// transport then takes the URL's, and http.Client makes no
			// copy of the URL) unless the host has an empty port.
			assert.Equal(t, want.Host, hostOnWire(got))
			if want.Host == u.Host {
				assert.Empty(t, got.Host)
			}
			assert.Equal(t, want.Proto, got.Proto)
			assert.Equal(t, want.ProtoMajor, got.ProtoMajor)
			assert.Equal(t, want.ProtoMinor, got.ProtoMinor)
			assert.Equal(t, want.Header, got.Header)
			assert.Equal(t, want.ContentLength, got.ContentLength)
			// The caller's context, in the call's own (see callContext).
			assert.Equal(t, ctx, got.Context().(*callContext).Context)
			if tc.payload == nil {
				assert.Equal(t, http.NoBody, got.Body)
			}

			// The body go-retryablehttp sends on each attempt, and the
			// one net/http asks for on a redirect: the SDK's first
			// attempt sends the request's Body, each retry a new one.
			for attempt := range 2 {
				gotBody := got.Body
				if attempt > 0 && tc.payload != nil {
					gotBody, err = o.newBody()
					require.NoError(t, err)
				}
				assert.Equal(t, string(bodyOf(t, want)), readAll(t, gotBody), "attempt %d", attempt)
			}
			wantBody, err := want.GetBody()
			require.NoError(t, err)
			gotBody, err := got.GetBody()
			require.NoError(t, err)
			assert.Equal(t, readAll(t, wantBody), readAll(t, gotBody))
		})
	}
}

// bodyOf is the body of one attempt, as go-retryablehttp's Do rewinds it.
func bodyOf(t *testing.T, req *retryablehttp.Request) []byte {
	t.Helper()
	b, err := req.BodyBytes()
	require.NoError(t, err)
	if b == nil && req.Body != nil {
		return []byte(readAll(t, req.Body))
	}
	return b
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

func TestNewRequestRefusesNilContext(t *testing.T) {
	c, err := NewClient(fakeToken)
	require.NoError(t, err)
	//lint:ignore SA1012 a nil context is what is tested
	_, err = c.newRequest(nil, http.MethodGet, c.endpoint(ProjectID(1), ""), nil, nil)
	require.Error(t, err)
}

// readBoundedSized must read exactly what io.ReadAll did, whatever the
// Content-Length says, and keep the size bound.
func TestReadBoundedSized(t *testing.T) {
	body := strings.Repeat("0123456789", 300) // 3000 bytes: more than one 512-byte start
	for _, size := range []int64{-1, 0, 1, 511, 3000, 2999, 3001, 1 << 20} {
		data, err := readBoundedSized(strings.NewReader(body), size)
		require.NoError(t, err, "size %d", size)
		assert.Equal(t, body, string(data), "size %d", size)

		data, err = readBoundedSized(iotest.OneByteReader(strings.NewReader(body)), size)
		require.NoError(t, err, "one byte at a time, size %d", size)
		assert.Equal(t, body, string(data), "one byte at a time, size %d", size)
	}

	// A body of unknown length is read through a pooled buffer: what is
	// returned is the caller's own, untouched by the next read.
	first, err := readBoundedSized(strings.NewReader("the first answer"), -1)
	require.NoError(t, err)
	_, err = readBoundedSized(strings.NewReader("a second one, longer than the first"), -1)
	require.NoError(t, err)
	assert.Equal(t, "the first answer", string(first))
	assert.Equal(t, len(first), cap(first), "copied out at its size")

	data, err := readBoundedSized(iotest.DataErrReader(strings.NewReader("abc")), 3)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(data))

	data, err = readBoundedSized(iotest.TimeoutReader(strings.NewReader(body)), 3000)
	assert.ErrorIs(t, err, iotest.ErrTimeout)
	assert.Equal(t, body[:len(data)], string(data), "what was read before the error")

	big := bytes.Repeat([]byte{'x'}, maxResponseBytes+10)
	for _, size := range []int64{-1, int64(len(big)), 100} {
		data, err = readBoundedSized(bytes.NewReader(big), size)
		assert.ErrorIs(t, err, ErrInvalidResponse, "size %d", size)
		assert.Len(t, data, maxResponseBytes, "size %d", size)
	}
}

// hostOnWire is the Host header net/http sends for r.
func hostOnWire(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}
