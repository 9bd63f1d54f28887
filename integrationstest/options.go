package integrationstest

import "time"

// Option configures a Server; pass them to NewServer or Start.
type Option func(*config)

// config is what the options set.
type config struct {
	token      string
	addr       string
	rateLimit  int
	latency    time.Duration
	failEvery  int
	failStatus int
	removed    bool
	logLimit   int
	noKeyset   bool
	legacy     bool
	version    string
	logBytes   int
	// readTimeout bounds the reading of a request, header and body.
	readTimeout time.Duration
	// propagationDelay is how long after a group's save its integration
	// is copied below it (inherit.go).
	propagationDelay time.Duration
}

// defaultLogLimit and defaultLogBytes bound the request log of a
// long-running server.
const (
	defaultLogLimit = 10000
	defaultLogBytes = 32 << 20
)

// defaultReadTimeout is how long the server waits for a request's header
// and body, as nginx in front of GitLab does (client_header_timeout and
// client_body_timeout, 60 s by default): a stalled upload does not hold a
// connection forever.
const defaultReadTimeout = 60 * time.Second

func defaultConfig() config {
	return config{addr: "127.0.0.1:0", logLimit: defaultLogLimit, logBytes: defaultLogBytes,
		readTimeout: defaultReadTimeout, version: DefaultVersion}
}

// WithToken makes tok the token the server issues to a Maintainer, instead
// of a random one. An empty tok is ignored.
func WithToken(tok string) Option {
	return func(c *config) {
		if tok != "" {
			c.token = tok
		}
	}
}

// WithAddress makes the server listen on addr ("127.0.0.1:8080") instead of
// a free loopback port. Tests should keep the default.
func WithAddress(addr string) Option {
	return func(c *config) {
		if addr != "" {
			c.addr = addr
		}
	}
}

// WithRateLimit limits the server to perSecond requests in each one-second
// window, across every client, as GitLab's throttles do: every answer carries
// RateLimit-Limit, RateLimit-Observed, RateLimit-Remaining, RateLimit-Reset
// (Unix seconds) and RateLimit-ResetTime, and a request over the limit gets
// 429 with Retry-After (seconds) and the body "Retry later". Requests that
// were refused count towards the limit, as they do on GitLab. Zero or a
// negative number means no limit (the default).
func WithRateLimit(perSecond int) Option {
	return func(c *config) { c.rateLimit = max(perSecond, 0) }
}

// WithLatency delays every answer by d, as a distant or busy GitLab does. A
// request whose context ends first gets no answer.
func WithLatency(d time.Duration) Option {
	return func(c *config) { c.latency = max(d, 0) }
}

// WithFailEvery makes every n-th request (the n-th, the 2n-th, …) fail with
// status instead of being served, without touching the server's state: 500
// gets GitLab's JSON body, 502, 503 and 504 the HTML page of a proxy, other
// statuses a JSON {"message": "<status> <text>"}. A status outside 400–599
// is taken as 500; n < 1 turns the option off.
func WithFailEvery(n, status int) Option {
	return func(c *config) {
		if n < 1 {
			c.failEvery, c.failStatus = 0, 0
			return
		}
		c.failEvery, c.failStatus = n, normaliseStatus(status)
	}
}

// WithRemovedIntegrations makes the server behave like an older GitLab that
// still serves the integrations current GitLab removed (those whose
// integrations.IntegrationInfo.RemovedIn is set: Flowdock, Jenkins CI
// (deprecated), Prometheus and Slack slash commands). Without it, they are
// unknown slugs, as on current GitLab.
func WithRemovedIntegrations() Option {
	return func(c *config) { c.removed = true }
}

// WithRequestLogLimit keeps only the n most recent requests in the log that
// Requests returns (10,000 by default); 0 keeps none.
func WithRequestLogLimit(n int) Option {
	return func(c *config) { c.logLimit = max(n, 0) }
}

// WithRequestLogBytes keeps the log that Requests returns within about n
// bytes of bodies, paths and headers (32 MiB by default), dropping the
// oldest requests first; 0 keeps none. Each logged body is kept up to its
// first 64 KiB whatever the bound.
func WithRequestLogBytes(n int) Option {
	return func(c *config) { c.logBytes = max(n, 0) }
}

// WithReadTimeout sets how long the server waits for a request's header
// and body before it drops the connection (60 s by default, as nginx in
// front of GitLab); a zero or negative d keeps the default.
func WithReadTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.readTimeout = d
		}
	}
}

// normaliseStatus keeps error statuses and turns anything else into 500.
func normaliseStatus(status int) int {
	if status < 400 || status > 599 {
		return 500
	}
	return status
}

// WithoutKeysetPagination makes the server answer a keyset pagination
// request for a group's projects (pagination=keyset) with 405, as GitLab
// does on an endpoint that does not offer it, so that a client must fall
// back to page numbers.
func WithoutKeysetPagination() Option {
	return func(c *config) { c.noKeyset = true }
}

// DefaultVersion is the GitLab version the server reports unless
// WithVersion says otherwise: the version whose API it plays.
const DefaultVersion = "19.0.0-ee"

// WithVersion makes the server report version (such as "14.3.0-ee" or
// "16.11.2") on GET /version and GET /metadata. A version before 15.2 has
// no /metadata: it is answered as an unknown route, as such servers do.
// The version changes nothing else; combine it with
// WithLegacyServicesOnly or WithRemovedIntegrations to play an older
// server fully.
func WithVersion(version string) Option {
	return func(c *config) {
		if version != "" {
			c.version = version
		}
	}
}

// WithLegacyServicesOnly makes the server play a GitLab before 14.4, which
// has the project endpoints below /projects/:id/services only: every path
// below /projects/:id/integrations and /groups/:id/integrations is
// answered as an unknown route (404 {"error":"404 Not Found"}).
func WithLegacyServicesOnly() Option {
	return func(c *config) { c.legacy = true }
}
