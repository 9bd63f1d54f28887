package integrationstest

import (
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gitlabkit/integrations"
)

// Server is an in-memory GitLab serving the Integrations API on a loopback
// port. Its methods are safe for concurrent use, also while it serves.
type Server struct {
	cfg      config
	url      string
	hs       *http.Server
	closed   sync.Once
	token    string
	served   map[string]*integration // by slug
	now      func() time.Time
	limiter  *windowLimiter // nil without WithRateLimit
	latency  atomic.Int64   // nanoseconds
	faults   faults
	log      requestLog
	mu       sync.Mutex // guards everything below
	tokens   map[string]Role
	projects registry
	groups   registry
	lastID   int64 // of integration records
	// slackAppToken is the GitLab for Slack app's verification token
	// (SetSlackAppVerificationToken); "" while the app is not set up.
	slackAppToken string
	notes         notesState // merge requests and their notes (notes.go)

	// propagation holds the pending copies of group integrations to
	// their descendants (inherit.go).
	propagation propagationQueue
}

// Role is the role a token's user has on every project and group of the
// server.
type Role int

const (
	// Maintainer may administer integrations: the role of Token.
	Maintainer Role = iota
	// Developer may not: every call answers 403 Forbidden, as GitLab does
	// below the Maintainer role.
	Developer
)

// NewServer starts an in-memory GitLab on a free loopback port. Close it
// when done. Like httptest.NewServer, it panics if it cannot listen; use
// Start to get an error instead.
func NewServer(opts ...Option) *Server {
	s, err := Start(opts...)
	if err != nil {
		panic(fmt.Sprintf("integrationstest: %v", err))
	}
	return s
}

// Start starts an in-memory GitLab and returns an error if it cannot listen.
// Close it when done.
func Start(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := newServer(cfg)
	if err := s.listen(); err != nil {
		return nil, err
	}
	return s, nil
}

// listen starts serving on the configured address.
func (s *Server) listen() error {
	ln, err := net.Listen("tcp", s.cfg.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.addr, err)
	}
	s.url = "http://" + ln.Addr().String()
	s.hs = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: min(10*time.Second, s.cfg.readTimeout),
		ReadTimeout:       s.cfg.readTimeout,
		IdleTimeout:       75 * time.Second, // nginx's keepalive_timeout
	}
	go func() { _ = s.hs.Serve(ln) }()
	return nil
}

// newServer builds a server that does not listen yet.
func newServer(cfg config) *Server {
	s := &Server{
		cfg:      cfg,
		served:   servedIntegrations(cfg.removed),
		now:      time.Now,
		tokens:   map[string]Role{},
		projects: newRegistry("Project"),
		groups:   newRegistry("Group"),
	}
	s.token = cfg.token
	if s.token == "" {
		s.token = randomToken()
	}
	s.tokens[s.token] = Maintainer
	if cfg.rateLimit > 0 {
		s.limiter = &windowLimiter{limit: uint64(cfg.rateLimit)}
	}
	s.latency.Store(int64(cfg.latency))
	s.faults.every = uint64(cfg.failEvery)
	s.faults.everyStatus = cfg.failStatus
	s.log.limit = cfg.logLimit
	s.log.maxBytes = cfg.logBytes
	return s
}

// randomToken returns a token shaped like a GitLab personal access token.
func randomToken() string { return "glpat-" + strings.ToLower(rand.Text()[:20]) }

// URL returns the server's root, such as "http://127.0.0.1:41235", the
// value integrations.WithBaseURL takes (the API itself is below /api/v4).
func (s *Server) URL() string { return s.url }

// String describes the server without its tokens, as the SDK prints a
// Client: the token is "[redacted]".
func (s *Server) String() string {
	if s == nil {
		return "integrationstest.Server(nil)"
	}
	return fmt.Sprintf("integrationstest.Server{URL: %s, Token: [redacted]}", s.url)
}

// GoString describes the server without its tokens, for %#v.
func (s *Server) GoString() string { return s.String() }

// Format prints the server without its tokens, whatever the verb.
func (s *Server) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// APIURL returns the root of the API: URL followed by "/api/v4".
func (s *Server) APIURL() string { return s.url + "/api/v4" }

// Token returns the token the server issued to a Maintainer. It is accepted
// in the PRIVATE-TOKEN or JOB-TOKEN header, as "Authorization: Bearer", or
// as the private_token query parameter.
func (s *Server) Token() string { return s.token }

// IssueToken issues another token whose user has the given role on every
// project and group.
func (s *Server) IssueToken(r Role) string {
	tok := randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = r
	return tok
}

// Close stops the server and closes its connections; requests in flight
// fail. Close may be called more than once.
func (s *Server) Close() {
	s.closed.Do(func() {
		s.stopPropagation()
		if s.hs != nil {
			_ = s.hs.Close()
		}
	})
}

// NewClient returns an SDK client for the server: its URL and Token, then
// opts.
func (s *Server) NewClient(opts ...integrations.ClientOption) (*integrations.Client, error) {
	all := append([]integrations.ClientOption{integrations.WithBaseURL(s.url)}, opts...)
	return integrations.NewClient(s.token, all...)
}

// AddProject creates a project with the given full path, such as
// "acme/web", and returns its ID. The groups above it ("acme") are created
// too when they do not exist, so the project belongs to them: it appears in
// their GET /groups/:id/projects and may inherit their integrations. Adding
// a path that exists returns its ID.
// It returns 0, and adds nothing, for an invalid path or one that names a
// group (in GitLab a path names one project or one group).
func (s *Server) AddProject(path string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !validPath(path) || s.groups.byPath(path) != nil {
		return 0
	}
	s.addParents(path)
	if h := s.projects.byPath(path); h != nil {
		return h.id
	}
	h := s.projects.add(path)
	s.inheritDefaults(h) // inherit.go
	return h.id
}

// AddGroup creates a group with the given full path, such as "acme" or
// "acme/platform", and returns its ID. The groups above it are created too
// when they do not exist. Adding a path that exists returns its ID. It returns 0, and adds nothing, for an invalid path or one that
// names a project.
func (s *Server) AddGroup(path string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !validPath(path) || s.projects.byPath(path) != nil {
		return 0
	}
	s.addParents(path)
	if h := s.groups.byPath(path); h != nil {
		return h.id
	}
	h := s.groups.add(path)
	s.inheritDefaults(h) // inherit.go
	return h.id
}

// appIntegrations cannot be created through the API: GitLab creates them
// when the GitLab for Slack app is installed or a group is linked in the
// GitLab for Jira Cloud app, and PUT leaves their active flag as it is.
var appIntegrations = map[string]bool{"gitlab-slack-application": true, "jira-cloud-app": true}

// InstallApp plays the installation flow of the GitLab for Slack app
// ("gitlab-slack-application") or the GitLab for Jira Cloud app
// ("jira-cloud-app") on the project or group with the given full path: the
// integration then exists and is active, and PUT may update it.
func (s *Server) InstallApp(path, slug string) error {
	if !appIntegrations[slug] {
		return fmt.Errorf("integrationstest: %q is not an app integration (want gitlab-slack-application or jira-cloud-app)", slug)
	}
	in := s.served[slug]
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.projects.byPath(path)
	if h == nil {
		h = s.groups.byPath(path)
	}
	switch {
	case h == nil:
		return fmt.Errorf("integrationstest: no project or group %q (add it first)", path)
	case h.group && !in.info.Group:
		return fmt.Errorf("integrationstest: %s is not available for groups", slug)
	}
	rec := h.records[slug]
	if rec == nil {
		rec = s.newRecord()
		h.records[slug] = rec
	}
	rec.active = true
	rec.updated = s.now().UTC()
	if h.group && slug == "gitlab-slack-application" {
		// SlackInstallation::BaseService enqueues PropagateIntegrationWorker
		// for a group's installation.
		s.schedulePropagation(h, slug)
	}
	return nil
}

// validPath accepts what GitLab's full paths look like: non-empty segments
// separated by single slashes, without spaces.
func validPath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return false
	}
	return !strings.ContainsAny(p, " \t\r\n?#%\\")
}
