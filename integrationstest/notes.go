package integrationstest

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gitlabkit/integrations"
)

// notesState is what the server holds of merge requests: their notes, and
// the users the tokens that wrote them stand for. Guarded by Server.mu.
type notesState struct {
	mrs      map[int64]map[int64]*mergeRequest // project ID → IID
	users    map[string]integrations.NoteAuthor
	lastNote int64
	lastUser int64
}

// mergeRequest is one merge request: only its notes, oldest first.
type mergeRequest struct {
	notes []*integrations.Note
}

// AddMergeRequest opens a merge request on the project with the given
// full path and returns its IID (1 for the project's first, then 2, …),
// for the merge-request notes endpoints:
//
//	GET  /api/v4/projects/:id/merge_requests/:iid/notes (sort, order_by, per_page, page)
//	POST /api/v4/projects/:id/merge_requests/:iid/notes (body)
//	PUT  /api/v4/projects/:id/merge_requests/:iid/notes/:note_id (body)
//
// They answer as GitLab does: 401 without a valid token, 404 "404 Project
// Not Found" or "404 Not found" for a project or merge request that does
// not exist, 404 "404 Note Not Found", 403 when a token edits a note
// another token's user wrote, 400 for a body that is missing, blank or
// longer than integrations.MaxNoteSize characters; 201 and 200 with the
// note otherwise, lists with GitLab's pagination headers. Any role may
// read and comment. Each token stands for one user (the server's own token
// for "maintainer", issued ones for "user2", "user3", …).
//
// It returns 0, and adds nothing, when the project does not exist.
func (s *Server) AddMergeRequest(projectPath string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.projects.byPath(projectPath)
	if h == nil {
		return 0
	}
	if s.notes.mrs == nil {
		s.notes.mrs = map[int64]map[int64]*mergeRequest{}
	}
	mrs := s.notes.mrs[h.id]
	if mrs == nil {
		mrs = map[int64]*mergeRequest{}
		s.notes.mrs[h.id] = mrs
	}
	iid := int64(len(mrs) + 1)
	mrs[iid] = &mergeRequest{}
	return iid
}

// AddMergeRequestNote posts a note as the user username, who has no token
// here (a reviewer, a bot): the note a test expects code to leave alone.
// It returns the note's ID, or 0 when there is no such merge request.
func (s *Server) AddMergeRequestNote(projectPath string, iid int64, username, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	mr := s.mergeRequest(projectPath, iid)
	if mr == nil {
		return 0
	}
	s.notes.lastUser++
	return s.addNote(mr, integrations.NoteAuthor{ID: 1000 + s.notes.lastUser, Username: username, Name: username}, body).ID
}

// MergeRequestNotes returns copies of the notes of a merge request, oldest
// first, as they are now (nil when there is no such merge request).
func (s *Server) MergeRequestNotes(projectPath string, iid int64) []integrations.Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	mr := s.mergeRequest(projectPath, iid)
	if mr == nil {
		return nil
	}
	out := make([]integrations.Note, len(mr.notes))
	for i, n := range mr.notes {
		out[i] = *n
	}
	return out
}

// mergeRequest finds a merge request by project path or ID and IID. The
// caller holds s.mu.
func (s *Server) mergeRequest(project string, iid int64) *mergeRequest {
	h := s.projects.find(project)
	if h == nil {
		return nil
	}
	return s.notes.mrs[h.id][iid]
}

// addNote appends a note by author. The caller holds s.mu.
func (s *Server) addNote(mr *mergeRequest, author integrations.NoteAuthor, body string) *integrations.Note {
	s.notes.lastNote++
	now := s.now().UTC().Truncate(time.Millisecond)
	n := &integrations.Note{ID: s.notes.lastNote, Body: body, Author: author, CreatedAt: now, UpdatedAt: now}
	mr.notes = append(mr.notes, n)
	return n
}

// tokenUser is the user a token stands for, made on its first note. The
// caller holds s.mu.
func (s *Server) tokenUser(tok string) integrations.NoteAuthor {
	if u, ok := s.notes.users[tok]; ok {
		return u
	}
	if s.notes.users == nil {
		s.notes.users = map[string]integrations.NoteAuthor{}
	}
	var u integrations.NoteAuthor
	if tok == s.token {
		u = integrations.NoteAuthor{ID: 1, Username: "maintainer", Name: "Maintainer"}
	} else {
		s.notes.lastUser++
		id := 1 + s.notes.lastUser
		name := "user" + strconv.FormatInt(id, 10)
		u = integrations.NoteAuthor{ID: id, Username: name, Name: name}
	}
	s.notes.users[tok] = u
	return u
}

// mergeRequestNotes answers the notes routes, segs being the path below
// /api/v4/, and reports whether it was one of them.
func (s *Server) mergeRequestNotes(w http.ResponseWriter, r *http.Request, segs []string, body []byte) bool {
	if (len(segs) != 5 && len(segs) != 6) || segs[0] != "projects" || segs[2] != "merge_requests" || segs[4] != "notes" {
		return false
	}
	ref, err := url.PathUnescape(segs[1])
	iid, iidErr := strconv.ParseInt(segs[3], 10, 64)
	var noteID int64
	if len(segs) == 6 {
		noteID, err = strconv.ParseInt(segs[5], 10, 64)
	}
	if err != nil || iidErr != nil || ref == "" {
		routeNotFound(w)
		return true
	}
	switch {
	case len(segs) == 5 && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost:
		notAllowed(w, "GET, HEAD, POST")
		return true
	case len(segs) == 6 && r.Method != http.MethodPut:
		notAllowed(w, "PUT") // the fake serves no GET or DELETE of one note
		return true
	}
	s.withHolderRole(w, r, false, ref, false, func(h *holder) {
		mr := s.notes.mrs[h.id][iid]
		if mr == nil {
			answerMessage(w, http.StatusNotFound, "404 Not found")
			return
		}
		switch {
		case r.Method == http.MethodPost:
			text, ok := noteText(w, r, body)
			if ok {
				writeNote(w, http.StatusCreated, s.addNote(mr, s.tokenUser(requestToken(r)), text))
			}
		case r.Method == http.MethodPut:
			i := slices.IndexFunc(mr.notes, func(n *integrations.Note) bool { return n.ID == noteID })
			if i < 0 {
				answerMessage(w, http.StatusNotFound, "404 Note Not Found")
				return
			}
			n := mr.notes[i]
			if n.System || n.Author.ID != s.tokenUser(requestToken(r)).ID {
				answerMessage(w, http.StatusForbidden, "403 Forbidden")
				return
			}
			text, ok := noteText(w, r, body)
			if ok {
				n.Body = text
				n.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
				writeNote(w, http.StatusOK, n)
			}
		default:
			s.notesPage(w, r, mr.notes)
		}
	})
	return true
}

// noteText reads the body parameter of a POST or PUT, answering GitLab's
// 400 when it is missing, blank or too long.
func noteText(w http.ResponseWriter, r *http.Request, body []byte) (string, bool) {
	params, err := readParams(r.Header.Get("Content-Type"), r.URL.Query(), body)
	if err != nil {
		answerError(w, http.StatusBadRequest, err.Error())
		return "", false
	}
	text, ok := params["body"].(string)
	switch {
	case !ok:
		answerError(w, http.StatusBadRequest, "body is missing")
		return "", false
	case strings.TrimSpace(text) == "":
		answerMessage(w, http.StatusBadRequest, `400 Bad request - Note {:note=>["can't be blank"]}`)
		return "", false
	case utf8.RuneCountInString(text) > integrations.MaxNoteSize:
		answerMessage(w, http.StatusBadRequest, `400 Bad request - Note {:note=>["is too long (maximum is 1000000 characters)"]}`)
		return "", false
	}
	return text, true
}

// notesPage answers one page of notes, with GitLab's offset pagination
// headers; sort=desc (GitLab's default) lists the newest first.
func (s *Server) notesPage(w http.ResponseWriter, r *http.Request, notes []*integrations.Note) {
	q := r.URL.Query()
	items := slices.Clone(notes)
	if q.Get("sort") != "asc" {
		slices.Reverse(items)
	}
	from, to := offsetPage(w, r, q, len(items))
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, n := range items[from:to] {
		if i > 0 {
			buf.WriteByte(',')
		}
		renderNote(&buf, n)
	}
	buf.WriteByte(']')
	answer(w, http.StatusOK, buf.Bytes())
}

// writeNote answers one note.
func writeNote(w http.ResponseWriter, status int, n *integrations.Note) {
	var buf bytes.Buffer
	renderNote(&buf, n)
	answer(w, status, buf.Bytes())
}

// renderNote writes a note as GitLab's Note entity, with the fields the
// SDK reads and a few it does not.
func renderNote(buf *bytes.Buffer, n *integrations.Note) {
	buf.WriteString(`{"id":`)
	buf.WriteString(strconv.FormatInt(n.ID, 10))
	buf.WriteString(`,"type":null,"body":`)
	writeJSON(buf, n.Body)
	buf.WriteString(`,"attachment":null,"author":{"id":`)
	buf.WriteString(strconv.FormatInt(n.Author.ID, 10))
	buf.WriteString(`,"username":`)
	writeJSON(buf, n.Author.Username)
	buf.WriteString(`,"name":`)
	writeJSON(buf, n.Author.Name)
	buf.WriteString(`,"state":"active"},"created_at":`)
	writeJSON(buf, n.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00"))
	buf.WriteString(`,"updated_at":`)
	writeJSON(buf, n.UpdatedAt.Format("2006-01-02T15:04:05.000Z07:00"))
	buf.WriteString(`,"system":`)
	buf.WriteString(strconv.FormatBool(n.System))
	buf.WriteString(`,"noteable_type":"MergeRequest","resolvable":false,"confidential":false,"internal":false}`)
}
