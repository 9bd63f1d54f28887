package integrations

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notesURL is the notes endpoint of merge request !7 of acme/infra, its
// path escaped as it goes on the wire.
const notesURL = fakeBaseURL + "/api/v4/projects/acme%2Finfra/merge_requests/7/notes"

const noteJSON = `{"id":301,"type":null,"body":"hello","attachment":null,
	"author":{"id":5,"username":"ci-bot","name":"CI Bot","state":"active"},
	"created_at":"2026-11-30T10:00:00.000Z","updated_at":"2026-11-30T10:05:00.123Z",
	"system":false,"noteable_id":88,"noteable_type":"MergeRequest","noteable_iid":7,"resolvable":false}`

func TestCreateMergeRequestNoteSendsTheBody(t *testing.T) {
	f := newFakeGitLab(t)
	f.on(http.MethodPost, notesURL, http.StatusCreated, noteJSON)
	c := f.client()
	n, err := c.CreateMergeRequestNote(context.Background(), Project("acme/infra"), 7, "hello `world` ✓")
	require.NoError(t, err)
	assert.Equal(t, &Note{
		ID: 301, Body: "hello", Author: NoteAuthor{ID: 5, Username: "ci-bot", Name: "CI Bot"},
		CreatedAt: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC),
		UpdatedAt: time.Date(2026, 11, 30, 10, 5, 0, 123_000_000, time.UTC),
	}, n)
	sent := f.requests()
	require.Len(t, sent, 1)
	assert.Equal(t, http.MethodPost, sent[0].Method)
	assert.Equal(t, notesURL, sent[0].URL)
	assert.Equal(t, fakeToken, sent[0].Header.Get("PRIVATE-TOKEN"))
	assert.Equal(t, "application/json", sent[0].Header.Get("Content-Type"))
	assert.JSONEq(t, `{"body":"hello `+"`world`"+` ✓"}`, string(sent[0].Body))
}

func TestUpdateMergeRequestNoteSendsThePUT(t *testing.T) {
	f := newFakeGitLab(t)
	f.on(http.MethodPut, fakeBaseURL+"/api/v4/projects/42/merge_requests/7/notes/301", http.StatusOK, noteJSON)
	c := f.client()
	n, err := c.UpdateMergeRequestNote(context.Background(), ProjectID(42), 7, 301, "new body")
	require.NoError(t, err)
	assert.Equal(t, int64(301), n.ID)
	sent := f.requests()
	require.Len(t, sent, 1)
	assert.Equal(t, http.MethodPut, sent[0].Method)
	assert.JSONEq(t, `{"body":"new body"}`, string(sent[0].Body))

	// An answer for another note is not taken as the update.
	f.on(http.MethodPut, fakeBaseURL+"/api/v4/projects/42/merge_requests/7/notes/302", http.StatusOK, noteJSON)
	_, err = c.UpdateMergeRequestNote(context.Background(), ProjectID(42), 7, 302, "new body")
	assert.ErrorIs(t, err, ErrInvalidResponse)
	assert.ErrorContains(t, err, "asked to update note 302, the answer is note 301")
}

func TestMergeRequestNotesFollowsPages(t *testing.T) {
	f := newFakeGitLab(t)
	first := notesURL + "?order_by=created_at&per_page=100&sort=asc"
	f.onFunc(http.MethodGet, first, func(*http.Request) (int, http.Header, string) {
		h := http.Header{"X-Total-Pages": {"2"}, "X-Next-Page": {"2"}}
		return 200, h, `[{"id":1,"body":"a","system":true,"author":{"username":"bot"}},{"id":2,"body":"b","author":{"username":"jdoe"}}]`
	})
	f.onFunc(http.MethodGet, notesURL+"?order_by=created_at&page=2&per_page=100&sort=asc", func(*http.Request) (int, http.Header, string) {
		return 200, http.Header{"X-Total-Pages": {"2"}, "X-Next-Page": {""}}, `[{"id":3,"body":"<!-- marker -->\nc"}]`
	})
	c := f.client()
	var got []string
	for n, err := range c.MergeRequestNotes(context.Background(), Project("acme/infra"), 7) {
		require.NoError(t, err)
		got = append(got, fmt.Sprintf("%d %q %v %s", n.ID, n.Body, n.System, n.Author.Username))
	}
	assert.Equal(t, []string{`1 "a" true bot`, `2 "b" false jdoe`, `3 "<!-- marker -->\nc" false `}, got)
	sent := f.requests()
	require.Len(t, sent, 2)
	assert.Equal(t, first, sent[0].URL)
	assert.Equal(t, notesURL+"?order_by=created_at&page=2&per_page=100&sort=asc", sent[1].URL)
	for _, s := range sent {
		assert.Equal(t, http.MethodGet, s.Method)
		assert.Equal(t, fakeToken, s.Header.Get("PRIVATE-TOKEN"))
	}
}

func TestNotesErrorsAreTyped(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		is     error
	}{
		{404, `{"message":"404 Not found"}`, ErrNotFound},
		{404, `{"message":"404 Project Not Found"}`, ErrProjectNotFound},
		{401, `{"message":"401 Unauthorized"}`, ErrUnauthorized},
		{403, `{"message":"403 Forbidden"}`, ErrForbidden},
	} {
		t.Run(fmt.Sprint(tc.status, tc.body), func(t *testing.T) {
			f := newFakeGitLab(t)
			f.on(http.MethodGet, notesURL+"?order_by=created_at&per_page=100&sort=asc", tc.status, tc.body)
			f.on(http.MethodPost, notesURL, tc.status, tc.body)
			f.on(http.MethodPut, notesURL+"/9", tc.status, tc.body)
			c := f.client()
			ctx := context.Background()
			var errs []error
			for _, err := range c.MergeRequestNotes(ctx, Project("acme/infra"), 7) {
				errs = append(errs, err)
			}
			require.Len(t, errs, 1)
			_, err := c.CreateMergeRequestNote(ctx, Project("acme/infra"), 7, "x")
			errs = append(errs, err)
			_, err = c.UpdateMergeRequestNote(ctx, Project("acme/infra"), 7, 9, "x")
			errs = append(errs, err)
			for _, err := range errs {
				var e *Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.status, e.StatusCode)
				assert.ErrorIs(t, err, tc.is)
				assert.NotContains(t, err.Error(), fakeToken)
			}
		})
	}
}

func TestNotesRefuseBadInputAndSendNothing(t *testing.T) {
	f := newFakeGitLab(t)
	c := f.client()
	ctx := context.Background()
	long := strings.Repeat("a", MaxNoteSize+1)
	for name, call := range map[string]func() error{
		"oversize": func() error {
			_, err := c.CreateMergeRequestNote(ctx, Project("acme/infra"), 7, long)
			return err
		},
		"oversize update": func() error {
			_, err := c.UpdateMergeRequestNote(ctx, Project("acme/infra"), 7, 1, long)
			return err
		},
		"empty": func() error {
			_, err := c.CreateMergeRequestNote(ctx, Project("acme/infra"), 7, " \n")
			return err
		},
		"not UTF-8": func() error {
			_, err := c.CreateMergeRequestNote(ctx, Project("acme/infra"), 7, "a\xffb")
			return err
		},
		"NUL": func() error {
			_, err := c.CreateMergeRequestNote(ctx, Project("acme/infra"), 7, "a\x00b")
			return err
		},
		"group": func() error {
			_, err := c.CreateMergeRequestNote(ctx, Group("acme"), 7, "x")
			return err
		},
		"zero scope": func() error {
			_, err := c.CreateMergeRequestNote(ctx, Scope{}, 7, "x")
			return err
		},
		"iid": func() error {
			_, err := c.CreateMergeRequestNote(ctx, Project("acme/infra"), 0, "x")
			return err
		},
		"note id": func() error {
			_, err := c.UpdateMergeRequestNote(ctx, Project("acme/infra"), 7, -1, "x")
			return err
		},
		"nil context": func() error {
			//lint:ignore SA1012 a nil context is what is tested
			_, err := c.CreateMergeRequestNote(nil, Project("acme/infra"), 7, "x")
			return err
		},
		"list iid": func() error {
			for _, err := range c.MergeRequestNotes(ctx, Project("acme/infra"), -3) {
				return err
			}
			return nil
		},
		"nil client": func() error {
			var nc *Client
			_, err := nc.CreateMergeRequestNote(ctx, Project("acme/infra"), 7, "x")
			return err
		},
	} {
		err := call()
		assert.ErrorIs(t, err, ErrValidation, name)
	}
	assert.Equal(t, 0, len(f.requests()), "requests sent")

	// The limit is GitLab's, in characters: a body of MaxNoteSize
	// three-byte characters is sent.
	f.on(http.MethodPost, notesURL, http.StatusCreated, noteJSON)
	_, err := c.CreateMergeRequestNote(ctx, Project("acme/infra"), 7, strings.Repeat("✓", MaxNoteSize))
	require.NoError(t, err)
	_, err = c.CreateMergeRequestNote(ctx, Project("acme/infra"), 7, strings.Repeat("✓", MaxNoteSize+1))
	assert.ErrorContains(t, err, "1000001 characters, more than GitLab's limit of 1000000")
	assert.Equal(t, 1, len(f.requests()), "requests sent")
}

func TestNotesRejectHostileAnswers(t *testing.T) {
	for name, tc := range map[string]struct {
		contentType, body string
		want              string
	}{
		"html":            {"text/html", "<html><body>Sign in</body></html>", "not JSON"},
		"truncated":       {"application/json", `{"id":301,"body":"hel`, "invalid response"},
		"error body 2xx":  {"application/json", `{"message":"500 Internal Server Error"}`, "not a note"},
		"null":            {"application/json", `null`, "not a JSON object"},
		"list for object": {"application/json", `[` + noteJSON + `]`, "invalid response"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeGitLab(t)
			reply := func(*http.Request) (int, http.Header, string) {
				return 201, http.Header{"Content-Type": {tc.contentType}}, tc.body
			}
			f.onFunc(http.MethodPost, notesURL, reply)
			_, err := f.client().CreateMergeRequestNote(context.Background(), Project("acme/infra"), 7, "x")
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidResponse)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	// A list with a truncated page, HTML or a null entry ends in an error.
	for name, body := range map[string]string{
		"truncated":  `[{"id":1,"body":"a"},{"id":2`,
		"html":       `<html>login</html>`,
		"null entry": `[{"id":1,"body":"a"},null]`,
		"no id":      `[{"body":"a"}]`,
	} {
		t.Run("list "+name, func(t *testing.T) {
			f := newFakeGitLab(t)
			f.onFunc(http.MethodGet, notesURL+"?order_by=created_at&per_page=100&sort=asc", func(*http.Request) (int, http.Header, string) {
				return 200, http.Header{"Content-Type": {"application/json"}}, body
			})
			var last error
			for _, err := range f.client().MergeRequestNotes(context.Background(), Project("acme/infra"), 7) {
				last = err
			}
			assert.ErrorIs(t, last, ErrInvalidResponse)
		})
	}
}

func TestCreateNoteIsRetriedOnlyAfter429(t *testing.T) {
	f := newFakeGitLab(t)
	calls := 0
	f.onFunc(http.MethodPost, notesURL, func(*http.Request) (int, http.Header, string) {
		calls++
		if calls == 1 {
			return 429, http.Header{"Retry-After": {"0"}}, `{"message":"429 Too Many Requests"}`
		}
		if calls == 2 {
			return 502, nil, `{"message":"502 Bad Gateway"}`
		}
		return 201, nil, noteJSON
	})
	c := f.client(WithRetries(3, time.Millisecond, 5*time.Millisecond))
	_, err := c.CreateMergeRequestNote(context.Background(), Project("acme/infra"), 7, "x")
	// The 429 is retried; the 502 is not: the note may have been made.
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 502, e.StatusCode)
	assert.Equal(t, 2, calls)

	// An update is idempotent: a 502 is retried.
	f2 := newFakeGitLab(t)
	puts := 0
	f2.onFunc(http.MethodPut, notesURL+"/301", func(*http.Request) (int, http.Header, string) {
		puts++
		if puts == 1 {
			return 502, nil, `{"message":"502 Bad Gateway"}`
		}
		return 200, nil, noteJSON
	})
	_, err = f2.client(WithRetries(3, time.Millisecond, 5*time.Millisecond)).UpdateMergeRequestNote(context.Background(), Project("acme/infra"), 7, 301, "x")
	require.NoError(t, err)
	assert.Equal(t, 2, puts)
	assert.False(t, errors.Is(err, ErrRateLimited))
}
