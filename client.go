package integrations

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gitlabkit/integrations/internal/fastjson"
	"github.com/gitlabkit/integrations/internal/transport"
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
	// lookupHost resolves localhost for a plain-http base URL (see
	// baseurl.go); nil: net.DefaultResolver. Tests replace it.
	lookupHost func(ctx context.Context, host string) ([]string, error)
	token      secretString
	tokenType  TokenType
	userAgent  string
	logger     *slog.Logger
	httpClient *http.Client
	maxConns   int // MaxConnsPerHost of the SDK's own transport; 0: no cap
	// rootCAs replaces the system's roots in the SDK's own transport
	// (WithRootCAs); nil: the system's.
	rootCAs *x509.CertPool
	// requestBound replaces transport.DefaultRequestTimeout in tests; 0: the default.
	requestBound time.Duration
	retry        retryPolicy
	limiter      *rateLimiter

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
	u, err := parseBaseURL(c.rawBaseURL, c.allowHTTP, c.lookupHost)
	if err != nil {
		return nil, err
	}
	c.baseURL = u
	if c.maxConns > 0 && c.httpClient != nil {
		return nil, errorf("WithMaxConnections applies to the SDK's own transport: with WithHTTPClient, set MaxConnsPerHost on your client's transport")
	}
	if c.rootCAs != nil && c.httpClient != nil {
		return nil, errorf("WithRootCAs applies to the SDK's own transport: with WithHTTPClient, set TLSClientConfig.RootCAs on your client's transport")
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

// endpoint builds the URL of path below the scope, such as
// /projects/acme%2Fweb/integrations/slack. It is built as a url.URL, never
// as text to parse: Path holds the project path as written, RawPath its
// escaped form, which is what goes on the wire.
func (c *Client) endpoint(s Scope, rest string) *url.URL {
	u := c.endpointURL(s, rest)
	return &u
}

// endpointURL is endpoint's URL as a value. Path and RawPath are cut out of
// one string: one allocation for both.
func (c *Client) endpointURL(s Scope, rest string) url.URL {
	// The escaped reference is built on the stack: a conversion inside a
	// concatenation makes no string of its own.
	var buf [128]byte
	segment := s.appendEscaped(buf[:0])
	plain := s.path
	if plain == "" {
		plain = string(segment) // a numeric ID reads the same either way
	}
	base := c.baseURL
	coll := s.collection()
	n := len(base.Path) + 1 + len(coll) + 1 + len(plain) + len(rest)
	both := base.Path + "/" + coll + "/" + plain + rest + base.EscapedPath() + "/" + coll + "/" + string(segment) + rest
	return url.URL{
		Scheme:  base.Scheme,
		Host:    base.Host,
		Path:    both[:n],
		RawPath: both[n:],
	}
}

// do sends one request and decodes a 2xx answer into out (unless out is
// nil). body, when not nil, is sent as JSON.
func (c *Client) do(ctx context.Context, method string, u *url.URL, body any, out any, opts []RequestOption) error {
	rc := configure(opts)
	resp, err := c.doRaw(ctx, method, u, body, out, rc.header)
	if rc.response != nil && resp != nil {
		*rc.response = transport.WithoutCredentials(resp)
	}
	return err
}

// configure applies opts. Without options it costs nothing; with them the
// config escapes (each option is a call through a function value).
func configure(opts []RequestOption) requestConfig {
	if len(opts) == 0 {
		return requestConfig{}
	}
	rc := new(requestConfig)
	for _, o := range opts {
		if o != nil {
			o(rc)
		}
	}
	return *rc
}

// doRaw is do without the options: header is added to the request, and
// the answer GitLab gave is returned, as sent (nil when none was), for the
// caller to hand out through WithResponseInto.
//
// It is the hot path of every call, so it avoids work the answer does not
// need: the request is built from u without printing and re-parsing it,
// the URL is printed only for an error or the debug log, and the body is
// read into one buffer sized by Content-Length.
func (c *Client) doRaw(ctx context.Context, method string, u *url.URL, body any, out any, header http.Header) (*http.Response, error) {
	var (
		req *outgoing
		err error
	)
	if body != nil {
		// Encoded into a pooled buffer first, so that the request is
		// allocated with room for exactly this payload's size class.
		scratch := payloadScratch.Get().(*[]byte)
		payload, err := encodeJSON((*scratch)[:0], body)
		if err != nil {
			payloadScratch.Put(scratch)
			return nil, errorf("encoding request: %w", err)
		}
		if req, err = c.newOutgoing(ctx, method, u, header, len(payload)); err != nil {
			payloadScratch.Put(scratch)
			return nil, errorf("building request: %w", err)
		}
		req.setPayload(append(req.room, payload...))
		if cap(payload) <= maxScratch {
			*scratch = payload[:0]
		}
		payloadScratch.Put(scratch)
	} else if req, err = c.newOutgoing(ctx, method, u, header, 0); err != nil {
		return nil, errorf("building request: %w", err)
	}
	// From here on, the request's copy of u (to, in the errors): u itself
	// is only read, so a caller's URL on the stack stays there.
	to := req.http.URL

	start := time.Now()
	resp, err := c.send(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, fmt.Errorf("integrations: %s %s: %w", method, to, err)
	}
	defer resp.Body.Close()
	var data []byte
	var readErr error
	if ra, ok := resp.Body.(*readAnswer); ok { // always, unless a test swapped the transport
		data, readErr = ra.data, ra.err
	} else {
		data, readErr = readBoundedSized(resp.Body, resp.ContentLength)
	}
	if c.logger.Enabled(ctx, slog.LevelDebug) { // the attributes cost a print of the URL
		c.logger.LogAttrs(ctx, slog.LevelDebug, "gitlab request",
			slog.String("method", method), slog.String("url", to.String()),
			slog.Int("status", resp.StatusCode), slog.Duration("duration", time.Since(start)))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// GitLab's status is the news, even when the body was too large
		// or broke off: the error keeps what was read of it.
		return resp, newError(method, to.String(), resp, data)
	}
	if readErr != nil {
		if !errors.Is(readErr, ErrInvalidResponse) {
			readErr = &brokenAnswerError{status: resp.StatusCode, read: len(data), err: readErr}
		}
		return resp, fmt.Errorf("integrations: %s %s: %w", method, to, readErr)
	}
	if out == nil {
		return resp, nil
	}
	if err := decodeAnswer(data, resp.Header.Get("Content-Type"), out); err != nil {
		return resp, fmt.Errorf("integrations: %s %s: %w", method, to, err)
	}
	return resp, nil
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
// built when the SDK sent through go-retryablehttp, without printing u and
// parsing it back. A GET or DELETE has an empty body (http.NoBody); a
// payload is sent as JSON and sent again on every retry (see send) and on a
// redirect that keeps the body (GetBody).
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, payload []byte, extra http.Header) (*outgoing, error) {
	o, err := c.newOutgoing(ctx, method, u, extra, 0)
	if err == nil && payload != nil {
		o.setPayload(payload)
	}
	return o, err
}

// newOutgoing is newRequest without a payload; room gives the request room
// for a payload of that many bytes, in the same allocation up to 1 KiB.
func (c *Client) newOutgoing(ctx context.Context, method string, u *url.URL, extra http.Header, room int) (*outgoing, error) {
	if ctx == nil {
		return nil, errors.New("net/http: nil Context")
	}
	// One allocation for the request, a copy of u, the values of the
	// headers the SDK sets, the first attempt's body, the call's retry
	// state, its first answer's body and, for a Set, room for the payload.
	// Each value is a full slice expression, so appending to one cannot
	// touch another.
	var o *outgoing
	switch {
	case room == 0:
		o = new(outgoing)
	case room <= 256:
		r := new(outgoingRoom256)
		o = &r.outgoing
		o.room = r.buf[:0]
	case room <= 512:
		r := new(outgoingRoom512)
		o = &r.outgoing
		o.room = r.buf[:0]
	case room <= 1024:
		r := new(outgoingRoom1024)
		o = &r.outgoing
		o.room = r.buf[:0]
	default:
		o = new(outgoing)
		o.room = make([]byte, 0, room)
	}
	o.url = *u
	o.vals = [4]string{"application/json", c.userAgent, "application/json"}
	h := make(http.Header, len(extra)+4)
	for k, vs := range extra {
		h[k] = vs
	}
	h[headerAccept] = o.vals[0:1:1]
	h[headerUserAgent] = o.vals[1:2:2]
	c.authorize(h, o.vals[3:4:4])

	o.http = *(&http.Request{
		Method:     method,
		URL:        &o.url,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Body:       http.NoBody,
		GetBody:    noBody,
		Host:       requestHost(u.Host),
	}).WithContext(&o.ctx)
	o.ctx.Context = ctx
	return o, nil
}

// setPayload makes payload the request's JSON body.
func (o *outgoing) setPayload(payload []byte) {
	o.payload = payload
	o.http.Header[headerContentType] = o.vals[2:3:3]
	o.first.Reset(payload)
	// io.NopCloser of a *bytes.Reader is a body net/http knows to be in
	// memory: it writes the header and the body in one go, where a body of
	// another type makes it flush the header first, a second write to the
	// socket for every Set.
	o.http.Body = io.NopCloser(&o.first)
	o.http.GetBody = o.newBody
	o.http.ContentLength = int64(len(payload))
}

// outgoing is one call's request, allocated in one piece: the request
// itself, its URL, the values of the SDK's headers, the body of the first
// attempt, and the state of the call's retries.
type outgoing struct {
	http    http.Request
	url     url.URL
	vals    [4]string
	payload []byte       // the JSON body; nil for none
	first   bytes.Reader // the first attempt's body
	call    retryCall
	ctx     callContext
	// room is where a Set's payload is kept: an outgoingRoom's buffer,
	// nil for a request without a body.
	room []byte
}

// outgoingRoom256, outgoingRoom512 and outgoingRoom1024 are a Set's
// outgoing with room for its payload, in three sizes: a payload is most
// often a few hundred bytes, and an outgoing with a kilobyte of room for
// each would make twice the garbage a call.
type outgoingRoom256 struct {
	outgoing
	buf [256]byte
}

type outgoingRoom512 struct {
	outgoing
	buf [512]byte
}

type outgoingRoom1024 struct {
	outgoing
	buf [1024]byte
}

// payloadScratch holds the buffers payloads are encoded into before they
// are copied into their request; maxScratch is the largest kept.
var payloadScratch = sync.Pool{New: func() any { return new([]byte) }}

const maxScratch = 64 << 10

// callContext is the context of a call's requests: the caller's, and room
// for the first answer's body, which answerReader fills instead of
// allocating one.
type callContext struct {
	context.Context
	answer     readAnswer
	answerUsed bool
}

// newBody is a fresh body for a retry or a redirect.
func (o *outgoing) newBody() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(o.payload)), nil
}

// encodeJSON appends v, encoded as json.Marshal encodes it, to dst.
func encodeJSON(dst []byte, v any) ([]byte, error) {
	if out, ok := fastjson.Append(dst, v); ok { // an options struct
		return out, nil
	}
	e := jsonEncoders.Get().(*jsonEncoder)
	defer jsonEncoders.Put(e)
	e.w.buf = dst
	err := e.enc.Encode(v)
	out := e.w.buf
	e.w.buf = nil
	if err != nil {
		return nil, err
	}
	return out[:len(out)-1], nil // Encode ends the value with a newline; Marshal does not
}

// jsonEncoder is an encoding/json Encoder and the buffer it writes to; a
// pool of them keeps encoding a request body free of allocations.
type jsonEncoder struct {
	w   appendWriter
	enc *json.Encoder
}

var jsonEncoders = sync.Pool{New: func() any {
	e := new(jsonEncoder)
	e.enc = json.NewEncoder(&e.w)
	return e
}}

// appendWriter appends what is written to buf.
type appendWriter struct{ buf []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// requestHost is the Request.Host for a URL's host: empty, so that the
// transport takes the URL's (http.Client copies the URL of a request with
// a Host of its own, an allocation a call), unless the host has an empty
// port ("gitlab.example.com:"), whose colon the Host header drops, as
// http.NewRequest does.
func requestHost(host string) string {
	if h := removeEmptyPort(host); h != host {
		return h
	}
	return ""
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
// Content-Length; -1 when unknown). A body of a known size is read into one
// buffer of that size instead of one that io.ReadAll grows and copies
// several times; a size that lies only costs a regrowth. A body of unknown
// size (Go's transport reports -1 for every chunked or un-gzipped answer,
// GitLab's usual ones) or of size 0 (which a test double or a hand-made
// http.Response often reports with a body behind it) is read into a pooled
// buffer and copied out once at its size.
func readBoundedSized(r io.Reader, size int64) ([]byte, error) {
	lr := io.LimitedReader{R: r, N: maxResponseBytes + 1}
	if size > 0 && size <= maxResponseBytes {
		// +1: the read that finds EOF needs room too.
		return checkBound(readToEnd(&lr, make([]byte, 0, size+1)))
	}
	scratch := readBuffers.Get().(*[]byte)
	data, err := readToEnd(&lr, (*scratch)[:0])
	out := bytes.Clone(data)
	if cap(data) <= maxPooledBuffer {
		*scratch = data[:0]
		readBuffers.Put(scratch)
	}
	return checkBound(out, err)
}

// readBuffers holds the buffers bodies of unknown size are read into.
// Buffers grown beyond maxPooledBuffer are left to the garbage collector, so
// that one huge answer does not stay in memory.
var readBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 8<<10)
	return &b
}}

const maxPooledBuffer = 256 << 10

// readToEnd reads r to its end, appending to data. r is a concrete type so
// that the LimitedReader its callers make stays on their stack.
func readToEnd(r *io.LimitedReader, data []byte) ([]byte, error) {
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		m, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+m]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
	}
}

// checkBound cuts data to maxResponseBytes and says so.
func checkBound(data []byte, err error) ([]byte, error) {
	if err == nil && len(data) > maxResponseBytes {
		return data[:maxResponseBytes], fmt.Errorf("%w: answer larger than %d bytes", ErrInvalidResponse, maxResponseBytes)
	}
	return data, err
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
