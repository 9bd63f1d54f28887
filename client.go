package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBaseURL is GitLab.com's API, used when WithBaseURL is not given.
const DefaultBaseURL = "https://gitlab.com/api/v4"

// maxResponseBytes bounds how much of an answer the SDK reads. The largest
// real answer (a list of every integration) is a few tens of kilobytes.
const maxResponseBytes = 8 << 20

// Version is the SDK's version, sent in the default User-Agent.
const Version = "0.1.0"

// core is the hand-written half of Client: where to send requests, how to
// authenticate, and the retrying transport. client_gen.go embeds it.
type core struct {
	rawBaseURL string
	baseURL    *url.URL
	allowHTTP  bool
	token      secretString
	tokenType  TokenType
	userAgent  string
	logger     *slog.Logger
	httpClient *http.Client
	maxConns   int // MaxConnsPerHost of the SDK's own transport; 0: no cap
	retry      retryPolicy
	limiter    *rateLimiter

	http *http.Client // shared by every call; send retries around it

	// servicesOnly is 1 once the server showed it has the project
	// endpoints below /projects/:id/services only (see legacy.go). A plain
	// uint32 used through sync/atomic, so that a Client stays copyable.
	servicesOnly uint32
}

// NewClient returns a Client that authenticates with token (a personal,
// project or group access token unless WithTokenType says otherwise) and
// sends requests to GitLab.com unless WithBaseURL names another server.
func NewClient(token string, opts ...ClientOption) (*Client, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errorf("empty token: NewClient needs a GitLab access token")
	}
	if strings.ContainsAny(token, "\r\n") {
		return nil, errorf("token contains a line break")
	}
	if i := controlByte(token); i >= 0 {
		return nil, errorf("token contains a control character (byte %d): check how it was read (a trailing newline or tab from a file?)", i)
	}
	c := &Client{core: core{
		rawBaseURL: DefaultBaseURL,
		token:      newSecretString(token),
		userAgent:  "gitlabkit-integrations/" + Version,
		logger:     slog.New(slog.DiscardHandler),
		retry:      defaultRetryPolicy(),
	}}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&c.core); err != nil {
			return nil, err
		}
	}
	if i := controlByte(c.userAgent); i >= 0 {
		return nil, errorf("WithUserAgent: the User-Agent contains a control character (byte %d), which no HTTP header may carry", i)
	}
	u, err := parseBaseURL(c.rawBaseURL, c.allowHTTP)
	if err != nil {
		return nil, err
	}
	c.baseURL = u
	if c.maxConns > 0 && c.httpClient != nil {
		return nil, errorf("WithMaxConnections applies to the SDK's own transport: with WithHTTPClient, set MaxConnsPerHost on your client's transport")
	}
	if c.limiter != nil && c.limiter.adaptive != nil {
		// No answer holds the Client longer than the retry policy would
		// wait for it (a millisecond at least: 0 would mean no bound).
		c.limiter.adaptive.maxHold = max(c.retry.maxWait, time.Millisecond)
	}
	c.http = c.newHTTPClient()
	c.initServices()
	return c, nil
}

// BaseURL returns the API root requests go to, such as
// "https://gitlab.example.com/api/v4".
// It returns "" for a Client that NewClient did not make.
func (c *Client) BaseURL() string {
	if c == nil || c.baseURL == nil {
		return ""
	}
	return c.baseURL.String()
}

// String describes the client without its token.
func (c *Client) String() string {
	if c == nil {
		return "integrations.Client(nil)"
	}
	if c.baseURL == nil {
		return "integrations.Client{} (not made by NewClient)"
	}
	return fmt.Sprintf("integrations.Client{BaseURL: %s, Token: %s}", c.baseURL, c.token)
}

// GoString describes the client without its token, for %#v.
func (c *Client) GoString() string { return c.String() }

// Format prints the client without its token, whatever the verb.
func (c *Client) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs the client without its token.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL()), slog.String("token", redacted))
}

// usable refuses a nil Client, or one that NewClient did not make (a zero
// Client has no transport and no base URL): its calls return this error
// instead of panicking.
func (c *Client) usable() error {
	if c == nil || c.http == nil || c.baseURL == nil {
		return invalid("a nil or zero Client cannot send requests: make it with integrations.NewClient")
	}
	return nil
}

// controlByte returns the index of the first ASCII control character of s
// (a byte below 0x20, or DEL), or -1. A header value with one is refused
// when the request is sent, so NewClient refuses it up front.
func controlByte(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return i
		}
	}
	return -1
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("integrations: "+format, args...)
}

// parseBaseURL checks the base URL and adds /api/v4 when it is missing.
func parseBaseURL(raw string, allowHTTP bool) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errorf("empty base URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errorf("malformed base URL: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errorf("base URL %q: scheme must be https or http (write it as https://gitlab.example.com)", raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, errorf("base URL %q has no host", raw)
	case u.User != nil:
		return nil, errorf("base URL must not hold credentials: pass the token to NewClient")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, errorf("base URL %q must not have a query", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, errorf("base URL %q must not have a fragment", raw)
	case u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()):
		return nil, errorf("base URL %q is plain http to a host that is not loopback: the token would cross the network in clear text (use https, or WithInsecureHTTP to allow it)", raw)
	}
	path := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(path, "/api/v4") {
		path += "/api/v4"
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// endpoint builds the URL of path below the scope, such as
// /projects/acme%2Fweb/integrations/slack. It is built as a url.URL, never
// as text to parse: Path holds the project path as written, RawPath its
// escaped form, which is what goes on the wire.
func (c *Client) endpoint(s Scope, rest string) *url.URL {
	segment := s.escaped()
	plain := s.path
	if plain == "" {
		plain = segment // a numeric ID reads the same either way
	}
	base := c.baseURL
	return &url.URL{
		Scheme:  base.Scheme,
		Host:    base.Host,
		Path:    base.Path + "/" + s.collection() + "/" + plain + rest,
		RawPath: base.EscapedPath() + "/" + s.collection() + "/" + segment + rest,
	}
}

// do sends one request and decodes a 2xx answer into out (unless out is
// nil). body, when not nil, is sent as JSON.
//
// It is the hot path of every call, so it avoids work the answer does not
// need: the request is built from u without printing and re-parsing it,
// the URL is printed only for an error or the debug log, and the body is
// read into one buffer sized by Content-Length.
func (c *Client) do(ctx context.Context, method string, u *url.URL, body any, out any, opts []RequestOption) error {
	var rc requestConfig
	for _, o := range opts {
		if o != nil {
			o(&rc)
		}
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return errorf("encoding request: %w", err)
		}
	}
	req, err := c.newRequest(ctx, method, u, payload, rc.header)
	if err != nil {
		return errorf("building request: %w", err)
	}

	start := time.Now()
	resp, err := c.send(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return fmt.Errorf("integrations: %s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	var data []byte
	var readErr error
	if ra, ok := resp.Body.(*readAnswer); ok { // always, unless a test swapped the transport
		data, readErr = ra.data, ra.err
	} else {
		data, readErr = readBoundedSized(resp.Body, resp.ContentLength)
	}
	if rc.response != nil {
		*rc.response = withoutCredentials(resp)
	}
	if c.logger.Enabled(ctx, slog.LevelDebug) { // the attributes cost a print of the URL
		c.logger.LogAttrs(ctx, slog.LevelDebug, "gitlab request",
			slog.String("method", method), slog.String("url", u.String()),
			slog.Int("status", resp.StatusCode), slog.Duration("duration", time.Since(start)))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// GitLab's status is the news, even when the body was too large
		// or broke off: the error keeps what was read of it.
		return newError(method, u.String(), resp, data)
	}
	if readErr != nil {
		if !errors.Is(readErr, ErrInvalidResponse) {
			readErr = &brokenAnswerError{status: resp.StatusCode, read: len(data), err: readErr}
		}
		return fmt.Errorf("integrations: %s %s: %w", method, u, readErr)
	}
	if out == nil {
		return nil
	}
	if err := decodeAnswer(data, resp.Header.Get("Content-Type"), out); err != nil {
		return fmt.Errorf("integrations: %s %s: %w", method, u, err)
	}
	return nil
}

// Canonical header keys, written out so that setting them costs no
// canonicalisation (http.Header.Set canonicalises every key it is given).
const (
	headerAccept        = "Accept"
	headerUserAgent     = "User-Agent"
	headerContentType   = "Content-Type"
	headerPrivateToken  = "Private-Token" // PRIVATE-TOKEN
	headerJobToken      = "Job-Token"     // JOB-TOKEN
	headerAuthorization = "Authorization"
)

// newRequest builds the request do sends: what
// retryablehttp.NewRequestWithContext(ctx, method, u.String(), payload)
// builds, without printing u and parsing it back. A GET or DELETE has an
// empty body (http.NoBody); a payload is sent as JSON and replayed by
// go-retryablehttp on every retry.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, payload []byte, extra http.Header) (*retryablehttp.Request, error) {
	if ctx == nil {
		return nil, errors.New("net/http: nil Context")
	}
	h := make(http.Header, len(extra)+4)
	for k, vs := range extra {
		h[k] = vs
	}
	// One backing array for the values the SDK sets; each value is a
	// full slice expression, so appending to one cannot touch another.
	vals := [4]string{"application/json", c.userAgent, "application/json"}
	h[headerAccept] = vals[0:1:1]
	h[headerUserAgent] = vals[1:2:2]
	if payload != nil {
		h[headerContentType] = vals[2:3:3]
	}
	c.authorize(h, vals[3:4:4])

	hr := (&http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Body:       http.NoBody,
		GetBody:    noBody,
		Host:       removeEmptyPort(u.Host),
	}).WithContext(ctx)
	req := &retryablehttp.Request{Request: hr}
	if payload != nil {
		if err := req.SetBody(payload); err != nil {
			return nil, err
		}
	}
	return req, nil
}

func noBody() (io.ReadCloser, error) { return http.NoBody, nil }

// removeEmptyPort drops the colon of a host with an empty port
// ("gitlab.example.com:"), as http.NewRequest does for the Host header.
func removeEmptyPort(host string) string {
	if strings.LastIndex(host, ":") > strings.LastIndex(host, "]") {
		return strings.TrimSuffix(host, ":")
	}
	return host
}

// authorize sets the token header for the token's type. val, when it has
// room for one value, is used as the header's value slice.
func (c *core) authorize(h http.Header, val []string) {
	if cap(val) < 1 {
		val = make([]string, 1)
	}
	val = val[:1]
	switch c.tokenType {
	case OAuthToken:
		val[0] = "Bearer " + c.token.reveal()
		h[headerAuthorization] = val
	case JobToken:
		val[0] = c.token.reveal()
		h[headerJobToken] = val
	default:
		val[0] = c.token.reveal()
		h[headerPrivateToken] = val
	}
}

// readBounded reads an answer's body up to maxResponseBytes.
func readBounded(r io.Reader) ([]byte, error) { return readBoundedSized(r, -1) }

// readBoundedSized is readBounded for a body of size bytes (its
// Content-Length; -1 when unknown): the body is read into one buffer of
// that size instead of one that io.ReadAll grows and copies several times.
// A size that lies only costs a regrowth.
func readBoundedSized(r io.Reader, size int64) ([]byte, error) {
	lr := io.LimitedReader{R: r, N: maxResponseBytes + 1}
	n := int64(512) // io.ReadAll's first buffer
	if size >= 0 && size <= maxResponseBytes {
		n = size + 1 // +1: the read that finds EOF needs room too
	}
	data := make([]byte, 0, n)
	for {
		m, err := lr.Read(data[len(data):cap(data)])
		data = data[:len(data)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			return data, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
	if len(data) > maxResponseBytes {
		return data[:maxResponseBytes], fmt.Errorf("%w: answer larger than %d bytes", ErrInvalidResponse, maxResponseBytes)
	}
	return data, nil
}

// decodeAnswer decodes a 2xx body, saying what was wrong when it cannot.
func decodeAnswer(data []byte, contentType string, out any) error {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return fmt.Errorf("%w: empty body", ErrInvalidResponse)
	case trimmed[0] != '{' && trimmed[0] != '[':
		if ct, _, _ := strings.Cut(contentType, ";"); ct != "" && ct != "application/json" {
			return fmt.Errorf("%w: got %s, not JSON (a proxy or login page?): %q", ErrInvalidResponse, ct, snippet(trimmed))
		}
		return fmt.Errorf("%w: not a JSON object or array: %q", ErrInvalidResponse, snippet(trimmed))
	}
	// Settings answers have a fast path that decodes them as the general
	// one does (see decodefast.go); when it is unsure, json.Unmarshal decides.
	if fd, ok := out.(answerDecoder); ok && fd.decodeFast(trimmed) {
		return nil
	}
	if err := json.Unmarshal(trimmed, out); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidResponse, err)
	}
	return nil
}

func snippet(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
