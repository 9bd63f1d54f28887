package integrations

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxNoteSize is the longest note body GitLab stores: 1,000,000
// characters (Unicode code points, as GitLab counts them). A longer one is
// refused before it is sent; GitLab would answer 400 "is too long (maximum
// is 1000000 characters)".
const MaxNoteSize = 1_000_000

// Note is a comment on a merge request, as GitLab's notes API reports it.
// Body is text a GitLab user wrote: data to show (escaped), never to run.
type Note struct {
	// ID is the note's ID, unique on the instance: what
	// UpdateMergeRequestNote takes.
	ID int64 `json:"id"`
	// Body is the note's Markdown.
	Body string `json:"body"`
	// System is true for the notes GitLab writes itself ("added 2
	// commits", "approved this merge request").
	System bool `json:"system"`
	// Author is who wrote the note.
	Author NoteAuthor `json:"author"`
	// CreatedAt and UpdatedAt are when the note was posted and last edited.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NoteAuthor is the user who wrote a note.
type NoteAuthor struct {
	// ID is the user's numeric ID.
	ID int64 `json:"id"`
	// Username is the user's handle, such as "jdoe" (without "@").
	Username string `json:"username"`
	// Name is the user's display name.
	Name string `json:"name"`
}

// noteBody is what creating or updating a note sends.
type noteBody struct {
	Body string `json:"body"`
}

// MergeRequestNotes lists the notes of a merge request, oldest first (GET
// /projects/:id/merge_requests/:iid/notes), system notes included: check
// Note.System. iid is the merge request's number in its project (the "!12"
// of its page, CI_MERGE_REQUEST_IID in a pipeline). It follows every page
// as Projects does, under the client's retries and rate limiter, with the
// same bounds on the pages; iteration stops at the first error, which is
// yielded. A merge request or project that does not exist, or that the
// token cannot see, is an *Error matching ErrNotFound.
func (c *Client) MergeRequestNotes(ctx context.Context, project Scope, iid int64) iter.Seq2[*Note, error] {
	return func(yield func(*Note, error) bool) {
		if err := c.checkNoteCall(ctx, "MergeRequestNotes", project, iid); err != nil {
			yield(nil, err)
			return
		}
		first := c.endpoint(project, mergeRequestNotesPath(iid, 0))
		q := url.Values{}
		q.Set("order_by", "created_at")
		q.Set("sort", "asc")
		q.Set("per_page", strconv.Itoa(maxPageSize))
		first.RawQuery = q.Encode()
		for n, err := range paginate[Note](ctx, c, first, nil, maxPages) {
			if err == nil {
				err = checkNote(n, "GET", first.Path)
			}
			if !yield(n, err) || err != nil {
				return
			}
		}
	}
}

// CreateMergeRequestNote posts body as a new note on a merge request (POST
// /projects/:id/merge_requests/:iid/notes) and returns the note GitLab
// made. body must not be empty, must be UTF-8 without NUL characters, and
// at most MaxNoteSize characters: otherwise nothing is sent and the error
// matches ErrValidation.
//
// A note is not something to post twice, so, like the slash command
// triggers, the request is retried only after GitLab's 429 (which says the
// note was not made), never after an answer that may have been lost.
func (c *Client) CreateMergeRequestNote(ctx context.Context, project Scope, iid int64, body string, opts ...RequestOption) (*Note, error) {
	const call = "CreateMergeRequestNote"
	if err := c.checkNoteCall(ctx, call, project, iid); err != nil {
		return nil, err
	}
	if err := checkNoteBody(call, body); err != nil {
		return nil, err
	}
	u := c.endpointURL(project, mergeRequestNotesPath(iid, 0))
	var out Note
	if err := c.do(ctx, http.MethodPost, &u, noteBody{Body: body}, &out, opts); err != nil {
		return nil, err
	}
	if err := checkNote(&out, http.MethodPost, u.Path); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateMergeRequestNote replaces the body of a note of a merge request
// (PUT /projects/:id/merge_requests/:iid/notes/:note_id) and returns the
// note as GitLab now has it. body is checked as CreateMergeRequestNote
// checks it. Only the note's author can edit it: GitLab answers 403 (an
// *Error matching ErrForbidden) to anyone else, and 404 (ErrNotFound) for
// a note that is not on that merge request. The request is idempotent, so
// it is retried as reads are.
func (c *Client) UpdateMergeRequestNote(ctx context.Context, project Scope, iid, noteID int64, body string, opts ...RequestOption) (*Note, error) {
	const call = "UpdateMergeRequestNote"
	if err := c.checkNoteCall(ctx, call, project, iid); err != nil {
		return nil, err
	}
	if noteID <= 0 {
		return nil, invalid("%s: note ID %d is not positive", call, noteID)
	}
	if err := checkNoteBody(call, body); err != nil {
		return nil, err
	}
	u := c.endpointURL(project, mergeRequestNotesPath(iid, noteID))
	var out Note
	if err := c.do(ctx, http.MethodPut, &u, noteBody{Body: body}, &out, opts); err != nil {
		return nil, err
	}
	if err := checkNote(&out, http.MethodPut, u.Path); err != nil {
		return nil, err
	}
	if out.ID != noteID {
		return nil, fmt.Errorf("integrations: PUT %s: %w: asked to update note %d, the answer is note %d", u.Path, ErrInvalidResponse, noteID, out.ID)
	}
	return &out, nil
}

// mergeRequestNotesPath is the path below the project of a merge request's
// notes, or of one of them when noteID is not zero.
func mergeRequestNotesPath(iid, noteID int64) string {
	p := "/merge_requests/" + strconv.FormatInt(iid, 10) + "/notes"
	if noteID != 0 {
		p += "/" + strconv.FormatInt(noteID, 10)
	}
	return p
}

// checkNoteCall refuses, before anything is sent, what no notes call can
// send: an unusable client, no context, a group or bad project reference,
// a merge request IID that is not positive.
func (c *Client) checkNoteCall(ctx context.Context, call string, project Scope, iid int64) error {
	switch {
	case c.usable() != nil:
		return c.usable()
	case ctx == nil:
		return invalid("%s: nil context.Context (use context.Background())", call)
	case project == Scope{}:
		return invalid("%s: empty project reference (use Project(path) or ProjectID(id))", call)
	case project.IsGroup():
		return invalid("%s: merge requests belong to a project, not to %s (use Project(path) or ProjectID(id))", call, project)
	case iid <= 0:
		return invalid("%s: merge request IID %d is not positive (the number after \"!\", CI_MERGE_REQUEST_IID in a pipeline)", call, iid)
	}
	return project.validate()
}

// checkNoteBody refuses a body GitLab would refuse (empty, too long) or
// could not store as given (not UTF-8, which JSON would alter; NUL, which
// its database does not take).
func checkNoteBody(call, body string) error {
	switch {
	case strings.TrimSpace(body) == "":
		return invalid("%s: the note's body is empty (GitLab requires one)", call)
	case len(body) > MaxNoteSize && utf8.RuneCountInString(body) > MaxNoteSize:
		return invalid("%s: the note's body is %d characters, more than GitLab's limit of %d (MaxNoteSize)", call, utf8.RuneCountInString(body), MaxNoteSize)
	case !utf8.ValidString(body):
		return invalid("%s: the note's body is not valid UTF-8", call)
	case strings.IndexByte(body, 0) >= 0:
		return invalid("%s: the note's body holds a NUL character, which GitLab cannot store", call)
	}
	return nil
}

// checkNote rejects a 2xx answer that is no note: no ID (an error body
// sent with a success status, an empty object, null).
func checkNote(n *Note, method, path string) error {
	if n == nil || n.ID <= 0 {
		return fmt.Errorf("integrations: %s %s: %w: the answer is not a note (it has no \"id\")", method, path, ErrInvalidResponse)
	}
	return nil
}
