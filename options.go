package integrations

import (
	"log/slog"
	"net/http"
)

// Ptr returns a pointer to v. Optional fields of options structs are
// pointers, so that false, 0 and "" can be sent:
//
//	&integrations.SlackOptions{Webhook: url, PushEvents: integrations.Ptr(false)}
func Ptr[T any](v T) *T { return &v }

// ClientOption configures a Client; pass them to NewClient.
type ClientOption func(*core) error

// TokenType says how the token authenticates to GitLab.
type TokenType int

const (
	// PrivateToken is a personal, project or group access token, sent in the
	// PRIVATE-TOKEN header. It is the default.
	PrivateToken TokenType = iota
	// OAuthToken is an OAuth 2.0 access token, sent as "Authorization: Bearer".
	OAuthToken
	// JobToken is a CI/CD job token (CI_JOB_TOKEN), sent in the JOB-TOKEN
	// header. GitLab accepts job tokens on a short list of endpoints only,
	// and the Integrations API is not among them: to administer
	// integrations from a pipeline, use a project or group access token.
	JobToken
)

// WithTokenType says what kind of token NewClient was given.
func WithTokenType(t TokenType) ClientOption {
	return func(c *core) error {
		switch t {
		case PrivateToken, OAuthToken, JobToken:
			c.tokenType = t
			return nil
		}
		return errorf("unknown token type %d", t)
	}
}

// WithBaseURL sets the GitLab server, such as "https://gitlab.example.com".
// "/api/v4" is added when the URL has no such path. A URL with a query, a
// fragment or credentials is refused, by an error that names the URL by its
// scheme, host and path only (a token in "?private_token=…" or before the
// host is never printed).
//
// Plain http is refused unless the host is loopback by address, or
// WithInsecureHTTP is also given: a literal loopback IP (127.0.0.0/8,
// [::1]), or the name localhost when it resolves to loopback addresses only
// (NewClient resolves it, and the SDK's own transport refuses a connection
// to it that reached any other address). Other names, "gitlab.localhost"
// included, are resolved through DNS like any name: use
// http://127.0.0.1:PORT, or WithInsecureHTTP.
func WithBaseURL(rawURL string) ClientOption {
	return func(c *core) error {
		c.rawBaseURL = rawURL
		return nil
	}
}

// WithInsecureHTTP allows a plain-http base URL on a host that is not
// loopback by address (see WithBaseURL: a name such as "gitlab.localhost"
// is not, and neither is localhost when it resolves to another address).
// The token then crosses the network in clear text: use it only on
// a network you trust. The SDK's own transport honours HTTP_PROXY for plain
// http, so with it set the proxy receives every request, token included, in
// clear text too (loopback hosts are never proxied; NO_PROXY exempts others).
func WithInsecureHTTP() ClientOption {
	return func(c *core) error {
		c.allowHTTP = true
		return nil
	}
}

// WithHTTPClient sets the HTTP client the SDK sends requests with, for a
// proxy, custom TLS or a test transport. The SDK uses a copy of it whose
// redirect policy strips the token when a redirect leaves the GitLab host.
// The client's Timeout, if any, replaces the SDK's own 2-minute request
// timeout (which belongs to the SDK's transport).
func WithHTTPClient(hc *http.Client) ClientOption {
	return func(c *core) error {
		if hc == nil {
			return errorf("WithHTTPClient: nil *http.Client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header of every request. NewClient
// refuses one with a control character (CR and LF included).
func WithUserAgent(ua string) ClientOption {
	return func(c *core) error {
		c.userAgent = ua
		return nil
	}
}

// WithLogger sends a debug record for every request and retry to l. The SDK
// is silent by default. Records never contain the token or secret values.
func WithLogger(l *slog.Logger) ClientOption {
	return func(c *core) error {
		if l == nil {
			return errorf("WithLogger: nil *slog.Logger")
		}
		c.logger = l
		return nil
	}
}

// RequestOption changes one call; pass them after the call's arguments.
type RequestOption func(*requestConfig)

type requestConfig struct {
	header   http.Header
	response **http.Response
}

// WithRequestHeader adds a header to the call's request.
func WithRequestHeader(key, value string) RequestOption {
	return func(r *requestConfig) {
		if r.header == nil {
			r.header = http.Header{}
		}
		r.header.Add(key, value)
	}
}

// WithSudo performs the call as another user (an administrator's token is
// needed), through GitLab's Sudo header.
func WithSudo(user string) RequestOption {
	return func(r *requestConfig) {
		if r.header == nil {
			r.header = http.Header{}
		}
		r.header.Set("Sudo", user)
	}
}

// WithResponseInto stores the raw *http.Response of the call's last attempt
// in *dst, for its status and headers. Its body is already read and closed.
func WithResponseInto(dst **http.Response) RequestOption {
	return func(r *requestConfig) { r.response = dst }
}
