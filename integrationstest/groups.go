package integrationstest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// ArchiveProject archives the project with the given full path, as a
// project's settings page does: GET /groups/:id/projects then leaves it out
// when asked for archived=false. It returns an error when there is no such
// project.
func (s *Server) ArchiveProject(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.projects.byPath(path)
	if h == nil {
		return fmt.Errorf("integrationstest: no project %q (add it first)", path)
	}
	h.archived = true
	return nil
}

// addParents creates the groups above path ("acme" and "acme/sub" for
// "acme/sub/web"), as GitLab has them: a project or group always lives in
// a group's namespace here. A parent path that names a project is left
// alone. The caller holds s.mu.
func (s *Server) addParents(path string) {
	parts := strings.Split(path, "/")
	for i := 1; i < len(parts); i++ {
		p := strings.Join(parts[:i], "/")
		if s.projects.byPath(p) == nil && s.groups.byPath(p) == nil {
			s.inheritDefaults(s.groups.add(p)) // inherit.go
		}
	}
}

// below returns the holders of reg under group g, sorted by ID: every
// depth, or only the direct children. The caller holds s.mu.
func below(reg *registry, g *holder, everyDepth bool) []*holder {
	prefix := strings.ToLower(g.path) + "/"
	var out []*holder
	for _, h := range reg.byID {
		rest, ok := strings.CutPrefix(strings.ToLower(h.path), prefix)
		if !ok || (!everyDepth && strings.Contains(rest, "/")) {
			continue
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// groupTree answers GET /groups/:id/projects, /groups/:id/descendant_groups
// and /groups/:id/subgroups, paginated as GitLab paginates them.
func (s *Server) groupTree(w http.ResponseWriter, r *http.Request, ref, what string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		notAllowed(w, "GET, HEAD")
		return
	}
	q := r.URL.Query()
	s.withHolderRole(w, r, true, ref, false, func(g *holder) {
		var items []*holder
		switch what {
		case "projects":
			items = below(&s.projects, g, q.Get("include_subgroups") == "true")
			if a := q.Get("archived"); a != "" {
				want := a == "true"
				kept := items[:0:0]
				for _, h := range items {
					if h.archived == want {
						kept = append(kept, h)
					}
				}
				items = kept
			}
		case "descendant_groups":
			items = below(&s.groups, g, true)
		default:
			items = below(&s.groups, g, false)
		}
		if q.Get("sort") == "desc" {
			for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
				items[i], items[j] = items[j], items[i]
			}
		}
		s.answerPage(w, r, what == "projects", items)
	})
}

// answerPage writes one page of items with GitLab's pagination headers:
// keyset pagination (a Link rel="next" with id_after, nothing else) when a
// group's projects are asked for with pagination=keyset and order_by=id,
// offset pagination (X-Total, X-Total-Pages, X-Per-Page, X-Page,
// X-Next-Page, X-Prev-Page and Link) otherwise. The caller holds s.mu.
func (s *Server) answerPage(w http.ResponseWriter, r *http.Request, projects bool, items []*holder) {
	q := r.URL.Query()
	per := perPage(q)
	if q.Get("pagination") == "keyset" {
		switch {
		case !projects || s.cfg.noKeyset:
			answerMessage(w, http.StatusMethodNotAllowed, "Keyset pagination is not yet available for this type of request")
			return
		case q.Get("order_by") != "id":
			answerMessage(w, http.StatusMethodNotAllowed, "Keyset pagination is not yet available for this type of request")
			return
		}
		desc := q.Get("sort") == "desc"
		if after, err := strconv.ParseInt(q.Get("id_after"), 10, 64); err == nil {
			kept := items[:0:0]
			for _, h := range items {
				if h.id > after {
					kept = append(kept, h)
				}
			}
			items = kept
		} else if before, err := strconv.ParseInt(q.Get("id_before"), 10, 64); err == nil && desc {
			kept := items[:0:0]
			for _, h := range items {
				if h.id < before {
					kept = append(kept, h)
				}
			}
			items = kept
		}
		page := items[:min(per, len(items))]
		if len(items) > per {
			last := page[len(page)-1].id
			key := "id_after"
			if desc {
				key = "id_before"
			}
			w.Header().Set("Link", pageLink(r, q, "next", func(v url.Values) { v.Set(key, strconv.FormatInt(last, 10)) }))
		}
		s.writeHolders(w, r, projects, page)
		return
	}
	from, to := offsetPage(w, r, q, len(items))
	s.writeHolders(w, r, projects, items[from:to])
}

// writeHolders answers a list of projects or groups with the fields
// GitLab's entities have that the SDK reads. The caller holds s.mu.
func (s *Server) writeHolders(w http.ResponseWriter, r *http.Request, projects bool, items []*holder) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, h := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		name := h.path[strings.LastIndex(h.path, "/")+1:]
		web := "http://" + r.Host + "/" + h.path
		if projects {
			fmt.Fprintf(&buf, `{"id":%d,"name":`, h.id)
			writeJSON(&buf, name)
			buf.WriteString(`,"path":`)
			writeJSON(&buf, name)
			buf.WriteString(`,"path_with_namespace":`)
			writeJSON(&buf, h.path)
			fmt.Fprintf(&buf, `,"archived":%t,"web_url":`, h.archived)
			writeJSON(&buf, web)
			buf.WriteByte('}')
			continue
		}
		var parent int64
		if i := strings.LastIndex(h.path, "/"); i >= 0 {
			if p := s.groups.byPath(h.path[:i]); p != nil {
				parent = p.id
			}
		}
		fmt.Fprintf(&buf, `{"id":%d,"name":`, h.id)
		writeJSON(&buf, name)
		buf.WriteString(`,"path":`)
		writeJSON(&buf, name)
		buf.WriteString(`,"full_path":`)
		writeJSON(&buf, h.path)
		fmt.Fprintf(&buf, `,"parent_id":%d,"web_url":`, parent)
		writeJSON(&buf, web)
		buf.WriteByte('}')
	}
	buf.WriteByte(']')
	answer(w, http.StatusOK, buf.Bytes())
}

// version answers GET /version and, from GitLab 15.2, GET /metadata, for
// any valid token.
func (s *Server) version(w http.ResponseWriter, r *http.Request, metadata bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		notAllowed(w, "GET, HEAD")
		return
	}
	v := s.cfg.version
	if metadata && versionBefore(v, 15, 2) {
		routeNotFound(w)
		return
	}
	tok := requestToken(r)
	s.mu.Lock()
	_, ok := s.tokens[tok]
	s.mu.Unlock()
	if tok == "" || !ok {
		answerMessage(w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	var buf bytes.Buffer
	buf.WriteString(`{"version":`)
	writeJSON(&buf, v)
	buf.WriteString(`,"revision":"0123456789a"`)
	if metadata {
		fmt.Fprintf(&buf, `,"kas":{"enabled":false,"externalUrl":null,"version":null},"enterprise":%t`, strings.HasSuffix(v, "-ee"))
	}
	buf.WriteByte('}')
	answer(w, http.StatusOK, buf.Bytes())
}

// versionBefore reports whether version ("14.3.0-ee") is before
// major.minor; a version it cannot read is taken as current.
func versionBefore(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma < major || (ma == major && mi < minor)
}
