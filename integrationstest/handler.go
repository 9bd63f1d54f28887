package integrationstest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxBody bounds what the server reads of a request body; GitLab's limit is
// larger, but no integration's settings come near it.
const maxBody = 1 << 20

// statusRecorder remembers the status an answer was written with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// ServeHTTP answers one request as GitLab would, after the faults asked
// for: latency, then the rate limit, then injected failures. Every request
// goes to the log. A Server is an http.Handler, so it can also be mounted
// in another server.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if s.log.on() { // copying the request for a log that keeps nothing would cost every request
		defer func() { s.log.add(logged(r, body, rec.status)) }()
	}
	if !sleep(r.Context(), time.Duration(s.latency.Load())) {
		return
	}
	if s.limiter != nil && !s.limiter.apply(rec, s.now()) {
		return
	}
	if status := s.faults.pick(); status != 0 {
		injectFailure(rec, status)
		return
	}
	switch {
	case err != nil:
		answerError(rec, http.StatusBadRequest, errMalformedBody)
	case len(body) > maxBody:
		answerMessage(rec, http.StatusRequestEntityTooLarge, "413 Request Entity Too Large")
	default:
		s.route(rec, r, body)
	}
}

// route matches the Integrations API's routes:
//
//	GET              /api/v4/projects/:id/integrations
//	GET, PUT, DELETE /api/v4/projects/:id/integrations/:slug
//	the same below /api/v4/projects/:id/services (the legacy alias)
//	and below /api/v4/groups/:id/integrations (no alias)
//	GET /api/v4/groups/:id/projects, …/descendant_groups, …/subgroups
//	GET /api/v4/version, /api/v4/metadata
//	POST the slash command triggers (trigger.go)
//	GET, POST, PUT a merge request's notes (notes.go)
func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4/")
	if !ok {
		routeNotFound(w)
		return
	}
	if rest == "version" || rest == "metadata" {
		s.version(w, r, rest == "metadata")
		return
	}
	if strings.HasSuffix(rest, "/trigger") && s.trigger(w, r, rest, body) { // trigger.go
		return
	}
	segs := strings.Split(rest, "/")
	if s.mergeRequestNotes(w, r, segs, body) { // notes.go
		return
	}
	if len(segs) < 3 || len(segs) > 4 {
		routeNotFound(w)
		return
	}
	group := segs[0] == "groups"
	if group && len(segs) == 3 && (segs[2] == "projects" || segs[2] == "descendant_groups" || segs[2] == "subgroups") {
		if ref, err := url.PathUnescape(segs[1]); err == nil && ref != "" {
			s.groupTree(w, r, ref, segs[2])
			return
		}
	}
	switch {
	case segs[0] != "projects" && !group,
		segs[2] != "integrations" && (group || segs[2] != "services"),
		s.cfg.legacy && segs[2] == "integrations":
		routeNotFound(w)
		return
	}
	ref, err := url.PathUnescape(segs[1])
	if err != nil || ref == "" {
		routeNotFound(w)
		return
	}
	if len(segs) == 3 {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			notAllowed(w, "GET, HEAD")
			return
		}
		s.withHolder(w, r, group, ref, func(h *holder) { s.list(w, h) })
		return
	}
	slug, err := url.PathUnescape(segs[3])
	if err != nil || slug == "" {
		routeNotFound(w)
		return
	}
	in := s.served[slug]
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.withHolder(w, r, group, ref, func(h *holder) { s.get(w, h, slug, in) })
	case http.MethodDelete:
		s.withHolder(w, r, group, ref, func(h *holder) { s.disable(w, h, slug, in) })
	case http.MethodPut:
		if in == nil {
			// GitLab declares one PUT route per integration, so an
			// unknown slug matches no route at all.
			routeNotFound(w)
			return
		}
		s.withHolder(w, r, group, ref, func(h *holder) { s.set(w, r, body, h, in) })
	default:
		notAllowed(w, "GET, HEAD, PUT, DELETE")
	}
}

// notAllowed is Grape's answer to a method a route does not have.
func notAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	answerError(w, http.StatusMethodNotAllowed, "405 Not Allowed")
}

// withHolder authenticates the request, finds the project or group and
// checks the token's role, answering as GitLab does when one fails (401,
// 404, 403), then calls fn with s.mu held.
func (s *Server) withHolder(w http.ResponseWriter, r *http.Request, group bool, ref string, fn func(h *holder)) {
	s.withHolderRole(w, r, group, ref, true, fn)
}

// withHolderRole is withHolder; admin says whether the call needs the
// Maintainer role (administering integrations) or any role (reading).
func (s *Server) withHolderRole(w http.ResponseWriter, r *http.Request, group bool, ref string, admin bool, fn func(h *holder)) {
	tok := requestToken(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	role, ok := s.tokens[tok]
	if tok == "" || !ok {
		answerMessage(w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	reg := &s.projects
	if group {
		reg = &s.groups
	}
	h := reg.find(ref)
	if h == nil {
		answerMessage(w, http.StatusNotFound, "404 "+reg.kind+" Not Found")
		return
	}
	if admin && role != Maintainer {
		answerMessage(w, http.StatusForbidden, "403 Forbidden")
		return
	}
	fn(h)
}

// requestToken finds the token wherever GitLab looks for one.
func requestToken(r *http.Request) string {
	if t := r.Header.Get("PRIVATE-TOKEN"); t != "" {
		return t
	}
	if t := r.Header.Get("JOB-TOKEN"); t != "" {
		return t
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return r.URL.Query().Get("private_token")
}
