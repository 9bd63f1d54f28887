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
	retry      retryPolicy
	limiter    *rateLimiter

	retrying *retryablehttp.Client
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
	c := &Client{core: core{
		rawBaseURL: DefaultBaseURL,
		token:      secretString(token),
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
	u, err := parseBaseURL(c.rawBaseURL, c.allowHTTP)
	if err != nil {
		return nil, err
	}
	c.baseURL = u
	c.retrying = c.newRetryingClient()
	c.initServices()
	return c, nil
}

// BaseURL returns the API root requests go to, such as
// "https://gitlab.example.com/api/v4".
func (c *Client) BaseURL() string { return c.baseURL.String() }

// String describes the client without its token.
func (c *Client) String() string {
	if c == nil {
		return "integrations.Client(nil)"
	}
	return fmt.Sprintf("integrations.Client{BaseURL: %s, Token: %s}", c.baseURL, c.token)
}

// GoString describes the client without its token, for %#v.
func (c *Client) GoString() string { return c.String() }

// Format prints the client without its token, whatever the verb.
func (c *Client) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs the client without its token.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.baseURL.String()), slog.String("token", redacted))
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
// /projects/acme%2Fweb/integrations/slack.
func (c *Client) endpoint(s Scope, rest string) *url.URL {
	escaped := "/" + s.collection() + "/" + s.escaped() + rest
	unescaped := "/" + s.collection() + "/"
	if s.path != "" {
		unescaped += s.path
	} else {
		unescaped += s.escaped()
	}
	unescaped += rest
	u := *c.baseURL
	u.Path = c.baseURL.Path + unescaped
	u.RawPath = c.baseURL.EscapedPath() + escaped
	return &u
}

// do sends one request and decodes a 2xx answer into out (unless out is
// nil). body, when not nil, is sent as JSON.
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
	urlStr := u.String()
	req, err := retryablehttp.NewRequestWithContext(ctx, method, urlStr, payload)
	if err != nil {
		return errorf("building request: %w", err)
	}
	req.URL = u
	h := req.Header
	for k, vs := range rc.header {
		h[k] = vs
	}
	h.Set("Accept", "application/json")
	h.Set("User-Agent", c.userAgent)
	if payload != nil {
		h.Set("Content-Type", "application/json")
	}
	c.authorize(h)

	if c.limiter != nil {
		if err := c.limiter.wait(ctx); err != nil {
			return fmt.Errorf("integrations: %s %s: waiting for the rate limiter: %w", method, urlStr, err)
		}
	}
	start := time.Now()
	resp, err := c.retrying.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return fmt.Errorf("integrations: %s %s: %w", method, urlStr, err)
	}
	defer resp.Body.Close()
	if c.limiter != nil {
		c.limiter.observe(resp.Header)
	}
	data, readErr := readBounded(resp.Body)
	if rc.response != nil {
		*rc.response = resp
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "gitlab request",
		slog.String("method", method), slog.String("url", urlStr),
		slog.Int("status", resp.StatusCode), slog.Duration("duration", time.Since(start)))
	if readErr != nil {
		return fmt.Errorf("integrations: %s %s: reading the answer: %w", method, urlStr, readErr)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newError(method, urlStr, resp, data)
	}
	if out == nil {
		return nil
	}
	if err := decodeAnswer(data, resp.Header.Get("Content-Type"), out); err != nil {
		return fmt.Errorf("integrations: %s %s: %w", method, urlStr, err)
	}
	return nil
}

// authorize sets the token header for the token's type.
func (c *core) authorize(h http.Header) {
	switch c.tokenType {
	case OAuthToken:
		h.Set("Authorization", "Bearer "+string(c.token))
	case JobToken:
		h.Set("JOB-TOKEN", string(c.token))
	default:
		h.Set("PRIVATE-TOKEN", string(c.token))
	}
}

// readBounded reads an answer's body up to maxResponseBytes.
func readBounded(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxResponseBytes+1))
	if err != nil {
		return data, err
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
