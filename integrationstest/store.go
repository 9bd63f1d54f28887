package integrationstest

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gitlabkit/integrations"
)

// integration is one integration the server serves: its catalog entry.
type integration struct {
	info integrations.IntegrationInfo
}

// servedIntegrations indexes the catalog by slug, leaving out the removed
// integrations unless the server emulates an older GitLab.
func servedIntegrations(withRemoved bool) map[string]*integration {
	out := map[string]*integration{}
	for _, info := range integrations.Catalog() {
		if info.RemovedIn != "" && !withRemoved {
			continue
		}
		out[info.Slug] = &integration{info: info}
	}
	return out
}

// holder is a project or a group: what owns integration records.
type holder struct {
	group   bool
	id      int64
	path    string
	records map[string]*record // by slug
	// archived is true for a project archived with ArchiveProject.
	archived bool
}

// registry holds the projects or the groups, by ID and by path.
type registry struct {
	kind   string // "Project" or "Group", as in GitLab's 404 messages
	lastID int64
	byID   map[int64]*holder
	paths  map[string]*holder // lower-cased full path
}

func newRegistry(kind string) registry {
	return registry{kind: kind, byID: map[int64]*holder{}, paths: map[string]*holder{}}
}

// add creates the holder for path, or returns the existing one.
func (r *registry) add(path string) *holder {
	if h := r.byPath(path); h != nil {
		return h
	}
	r.lastID++
	h := &holder{group: r.kind == "Group", id: r.lastID, path: path, records: map[string]*record{}}
	r.byID[h.id] = h
	r.paths[strings.ToLower(path)] = h
	return h
}

// byPath finds a holder by full path, without regard to case, as GitLab
// finds projects and groups.
func (r *registry) byPath(path string) *holder { return r.paths[strings.ToLower(path)] }

// find resolves the :id of a URL, a numeric ID or a full path.
func (r *registry) find(ref string) *holder {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return r.byID[id]
	}
	return r.byPath(ref)
}

// ancestors returns the groups above a project or group, nearest first.
func (s *Server) ancestors(h *holder) []*holder {
	var out []*holder
	parts := strings.Split(h.path, "/")
	for i := len(parts) - 1; i >= 1; i-- {
		if g := s.groups.byPath(strings.Join(parts[:i], "/")); g != nil {
			out = append(out, g)
		}
	}
	return out
}

// record is one integration saved on a project or group.
type record struct {
	id               int64
	created, updated time.Time
	active           bool
	// events holds the flags that are top-level response fields
	// (push_events, …, comment_on_event_enabled).
	events map[string]bool
	// values holds every other parameter the server accepted, secrets
	// included, by API name.
	values map[string]any
	// inheritFrom is the group whose settings the record copies
	// (GitLab's inherit_from_id), nil when it has its own.
	inheritFrom *holder
}

// responseFlags are the top-level flags of GitLab's integration entity, in
// its order, with the defaults of GitLab's integrations table: a new
// integration starts with these values, and DELETE keeps them.
var responseFlags = []struct {
	name string
	def  bool
}{
	{"commit_events", true},
	{"push_events", true},
	{"issues_events", true},
	{"incident_events", false},
	{"alert_events", false},
	{"confidential_issues_events", true},
	{"merge_requests_events", true},
	{"tag_push_events", true},
	{"deployment_events", false},
	{"note_events", true},
	{"confidential_note_events", true},
	{"pipeline_events", false},
	{"wiki_page_events", true},
	{"job_events", false},
	{"comment_on_event_enabled", true},
	{"vulnerability_events", false},
}

// isResponseFlag reports whether name is a top-level flag of the answer.
func isResponseFlag(name string) bool {
	for _, f := range responseFlags {
		if f.name == name {
			return true
		}
	}
	return false
}

// newRecord returns an inactive record with GitLab's default flags. The
// caller holds s.mu.
func (s *Server) newRecord() *record {
	s.lastID++
	now := s.now().UTC()
	r := &record{id: s.lastID, created: now, updated: now, events: map[string]bool{}, values: map[string]any{}}
	for _, f := range responseFlags {
		r.events[f.name] = f.def
	}
	return r
}

// effective returns the settings a record uses: its own, which for an
// inheriting record are the copy of its group's that GitLab's propagation
// last wrote (inherit.go). The caller holds s.mu.
func (s *Server) effective(_ string, r *record) (map[string]bool, map[string]any) {
	return r.events, r.values
}

// activeRecords returns the slugs of a holder's active integrations in the
// order they were created. The caller holds s.mu.
func activeRecords(h *holder) []string {
	var slugs []string
	for slug, r := range h.records {
		if r.active {
			slugs = append(slugs, slug)
		}
	}
	sort.Slice(slugs, func(i, j int) bool { return h.records[slugs[i]].id < h.records[slugs[j]].id })
	return slugs
}
