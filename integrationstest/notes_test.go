package integrationstest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

func TestMergeRequestNotesRoundTrip(t *testing.T) {
	srv := newServer(t)
	srv.AddProject("acme/infra")
	iid := srv.AddMergeRequest("acme/infra")
	require.Equal(t, int64(1), iid)
	require.Equal(t, int64(2), srv.AddMergeRequest("acme/infra"))
	assert.Zero(t, srv.AddMergeRequest("acme/nope"))
	other := srv.AddMergeRequestNote("acme/infra", iid, "reviewer", "LGTM")
	require.NotZero(t, other)

	c := newClient(t, srv)
	ctx := context.Background()
	n, err := c.CreateMergeRequestNote(ctx, integrations.Project("acme/infra"), iid, "first")
	require.NoError(t, err)
	assert.Equal(t, "first", n.Body)
	assert.Equal(t, "maintainer", n.Author.Username)
	assert.False(t, n.CreatedAt.IsZero())

	up, err := c.UpdateMergeRequestNote(ctx, integrations.Project("acme/infra"), iid, n.ID, "second")
	require.NoError(t, err)
	assert.Equal(t, "second", up.Body)

	// Another user's note cannot be edited; the server keeps it as it was.
	_, err = c.UpdateMergeRequestNote(ctx, integrations.Project("acme/infra"), iid, other, "hijack")
	assert.ErrorIs(t, err, integrations.ErrForbidden)
	_, err = c.UpdateMergeRequestNote(ctx, integrations.Project("acme/infra"), iid, 999, "x")
	assert.ErrorIs(t, err, integrations.ErrNotFound)

	var got []string
	for n, err := range c.MergeRequestNotes(ctx, integrations.Project("acme/infra"), iid) {
		require.NoError(t, err)
		got = append(got, n.Author.Username+": "+n.Body)
	}
	assert.Equal(t, []string{"reviewer: LGTM", "maintainer: second"}, got)
	stored := srv.MergeRequestNotes("acme/infra", iid)
	require.Len(t, stored, 2)
	assert.Equal(t, "LGTM", stored[0].Body)
	assert.Equal(t, "second", stored[1].Body)
	assert.Empty(t, srv.MergeRequestNotes("acme/infra", 2))
	assert.Nil(t, srv.MergeRequestNotes("acme/infra", 3))

	// A second token is a second user, who may comment but not edit.
	dev := srv.IssueToken(integrationstest.Developer)
	dc, err := integrations.NewClient(dev, integrations.WithBaseURL(srv.URL()), integrations.WithInsecureHTTP(), integrations.WithoutRetries())
	require.NoError(t, err)
	dn, err := dc.CreateMergeRequestNote(ctx, integrations.ProjectID(1), iid, "from a developer")
	require.NoError(t, err)
	assert.NotEqual(t, n.Author.ID, dn.Author.ID)
	_, err = dc.UpdateMergeRequestNote(ctx, integrations.ProjectID(1), iid, n.ID, "x")
	assert.ErrorIs(t, err, integrations.ErrForbidden)
}

func TestMergeRequestNotesAnswersAsGitLab(t *testing.T) {
	srv := newServer(t)
	srv.AddProject("acme/infra")
	iid := srv.AddMergeRequest("acme/infra")
	base := "/api/v4/projects/acme%2Finfra/merge_requests/1/notes"
	for _, tc := range []struct {
		method, path, body string
		header             []string
		status             int
		want               string
	}{
		{"POST", base, `{"body":"hi"}`, nil, 201, `"body":"hi"`},
		{"POST", base, `{"body":"hi"}`, []string{"-"}, 401, `{"message":"401 Unauthorized"}`},
		{"POST", base, `{"body":"hi"}`, []string{"PRIVATE-TOKEN: wrong"}, 401, `401 Unauthorized`},
		{"POST", "/api/v4/projects/acme%2Fnope/merge_requests/1/notes", `{"body":"hi"}`, nil, 404, `{"message":"404 Project Not Found"}`},
		{"POST", "/api/v4/projects/acme%2Finfra/merge_requests/9/notes", `{"body":"hi"}`, nil, 404, `{"message":"404 Not found"}`},
		{"POST", base, `{}`, nil, 400, `{"error":"body is missing"}`},
		{"POST", base, `{"body":"  "}`, nil, 400, `can't be blank`},
		{"POST", base, `{"body":"` + strings.Repeat("a", integrations.MaxNoteSize+1) + `"}`, nil, 400, `is too long (maximum is 1000000 characters)`},
		{"POST", base, `{"body":`, nil, 400, `message body does not match declared format`},
		{"PUT", base + "/77", `{"body":"x"}`, nil, 404, `{"message":"404 Note Not Found"}`},
		{"DELETE", base, ``, nil, 405, `405 Not Allowed`},
		{"GET", base + "/x", ``, nil, 404, `404 Not Found`},
	} {
		a := raw(t, srv, tc.method, tc.path, tc.body, tc.header...)
		assert.Equal(t, tc.status, a.status, "%s %s %.40s: %s", tc.method, tc.path, tc.body, a.body)
		assert.Contains(t, a.body, tc.want, "%s %s", tc.method, tc.path)
	}
	// A form-encoded body is read as GitLab reads it.
	req, err := http.NewRequest("POST", srv.URL()+base, strings.NewReader("body=from+a+form"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("PRIVATE-TOKEN", srv.Token())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 201, resp.StatusCode)
	notes := srv.MergeRequestNotes("acme/infra", iid)
	require.Len(t, notes, 2)
	assert.Equal(t, "from a form", notes[1].Body)
}

func TestMergeRequestNotesPages(t *testing.T) {
	srv := newServer(t)
	srv.AddProject("acme/infra")
	iid := srv.AddMergeRequest("acme/infra")
	for i := 1; i <= 45; i++ {
		srv.AddMergeRequestNote("acme/infra", iid, "bot", fmt.Sprint(i))
	}
	base := "/api/v4/projects/acme%2Finfra/merge_requests/1/notes"
	a := raw(t, srv, "GET", base+"?sort=asc&per_page=20&page=2", "")
	require.Equal(t, 200, a.status)
	assert.Equal(t, "45", a.header.Get("X-Total"))
	assert.Equal(t, "3", a.header.Get("X-Total-Pages"))
	assert.Equal(t, "2", a.header.Get("X-Page"))
	assert.Equal(t, "3", a.header.Get("X-Next-Page"))
	assert.Equal(t, "1", a.header.Get("X-Prev-Page"))
	assert.Contains(t, a.header.Get("Link"), `page=3&per_page=20&sort=asc>; rel="next"`)
	assert.True(t, strings.HasPrefix(a.body, `[{"id":21,`), a.body[:40])
	// GitLab's default order is newest first.
	a = raw(t, srv, "GET", base, "")
	assert.True(t, strings.HasPrefix(a.body, `[{"id":45,`), a.body[:40])
	assert.Equal(t, "2", a.header.Get("X-Next-Page"))

	// The SDK reads all 45 through the pages, oldest first.
	c := newClient(t, srv)
	var bodies []string
	for n, err := range c.MergeRequestNotes(context.Background(), integrations.Project("acme/infra"), iid) {
		require.NoError(t, err)
		bodies = append(bodies, n.Body)
	}
	require.Len(t, bodies, 45)
	assert.Equal(t, "1", bodies[0])
	assert.Equal(t, "45", bodies[44])
}
