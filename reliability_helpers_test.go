package integrations

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// relToken is the token of the reliability and security tests: no error, log
// record or printed value may contain it.
const relToken = "glpat-RELIABILITY-s3cret-4f2a9c"

// relSlackAnswer is a GitLab answer for the Slack integration.
const relSlackAnswer = `{"id":1,"title":"Slack notifications","slug":"slack","active":true,"properties":{"channel":"#deploys"}}`

// relStep is one scripted answer: a status, headers and a body, or a
// connection dropped without an answer (reset).
type relStep struct {
	status int
	header map[string]string
	body   string
	reset  bool
	cut    bool // send the status, headers and half the body, then reset
}

// relHit is one request as the scripted server received it.
type relHit struct {
	method string
	path   string // escaped
	header http.Header
	body   []byte
	at     time.Time
}

// relServer is a loopback GitLab that answers each request with the next
// step of a script (the last step repeats) and records every request.
type relServer struct {
	*httptest.Server
	mu    sync.Mutex
	steps []relStep
	hits  []relHit
}

func newRelServer(t testing.TB, steps ...relStep) *relServer {
	t.Helper()
	require.NotEmpty(t, steps)
	s := &relServer{steps: steps}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *relServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	step := s.steps[min(len(s.hits), len(s.steps)-1)]
	s.hits = append(s.hits, relHit{method: r.Method, path: r.URL.EscapedPath(), header: r.Header.Clone(), body: body, at: time.Now()})
	s.mu.Unlock()
	if step.reset {
		resetConnection(w)
		return
	}
	if step.cut {
		cutAnswer(w, step.status, step.body)
		return
	}
	for k, v := range step.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(step.status)
	_, _ = io.WriteString(w, step.body)
}

// resetConnection drops the request's connection with a TCP reset, as a
// crashing proxy does.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// cutAnswer writes the status line, the headers (with the Content-Length
// of the whole body) and half of body, then drops the connection with a TCP
// reset: an answer cut off mid-body.
func cutAnswer(w http.ResponseWriter, status int, body string) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(body), body[:len(body)/2])
	_ = buf.Flush()
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// requests returns what the server received so far.
func (s *relServer) requests() []relHit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]relHit(nil), s.hits...)
}

func (s *relServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hits)
}

// client returns a Client for the server authenticating with relToken, with
// millisecond retries unless opts say otherwise.
func (s *relServer) client(t testing.TB, opts ...ClientOption) *Client {
	t.Helper()
	all := append([]ClientOption{WithBaseURL(s.URL), WithRetries(3, time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := NewClient(relToken, all...)
	require.NoError(t, err)
	return c
}

// answer is a scripted status with a JSON body.
func answer(status int, body string) relStep { return relStep{status: status, body: body} }

// relLog captures every record a Client logs, at every level, as text and
// as JSON, attributes and groups included.
type relLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *relLog) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug - 8}
	return slog.New(relTee{slog.NewTextHandler(l, opts), slog.NewJSONHandler(l, opts)})
}

func (l *relLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *relLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// relTee sends every record to both handlers.
type relTee [2]slog.Handler

func (h relTee) Enabled(context.Context, slog.Level) bool { return true }
func (h relTee) Handle(ctx context.Context, r slog.Record) error {
	for _, x := range h {
		if err := x.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}
func (h relTee) WithAttrs(as []slog.Attr) slog.Handler {
	return relTee{h[0].WithAttrs(as), h[1].WithAttrs(as)}
}
func (h relTee) WithGroup(name string) slog.Handler {
	return relTee{h[0].WithGroup(name), h[1].WithGroup(name)}
}

// requireNoToken fails when s contains the token, whole or in its header
// forms.
func requireNoToken(t testing.TB, s, where string) {
	t.Helper()
	require.NotContains(t, s, relToken, "%s holds the token", where)
	require.NotContains(t, strings.ToLower(s), strings.ToLower(relToken), "%s holds the token", where)
}
