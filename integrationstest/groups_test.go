package integrationstest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations/integrationstest"
)

func TestGroupTreeFromPaths(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	srv.AddProject("acme/sub/web")
	a := raw(t, srv, http.MethodGet, "/api/v4/groups/acme/descendant_groups", "")
	require.Equal(t, http.StatusOK, a.status, a.body)
	var groups []struct {
		FullPath string `json:"full_path"`
		ParentID int64  `json:"parent_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(a.body), &groups))
	require.Len(t, groups, 1)
	assert.Equal(t, "acme/sub", groups[0].FullPath)
	assert.NotZero(t, groups[0].ParentID)
	assert.Zero(t, srv.AddProject("acme/sub"), "acme/sub is a group now")
	require.Error(t, srv.ArchiveProject("acme/nope"))

	a = raw(t, srv, http.MethodGet, "/api/v4/groups/acme/projects", "")
	assert.Equal(t, "[]", a.body, "without include_subgroups, only the group's own projects")
	a = raw(t, srv, http.MethodGet, "/api/v4/groups/acme%2Fsub/projects", "")
	assert.Contains(t, a.body, `"path_with_namespace":"acme/sub/web"`)
	a = raw(t, srv, http.MethodGet, "/api/v4/groups/nope/projects", "")
	assert.Equal(t, http.StatusNotFound, a.status)
	assert.JSONEq(t, `{"message":"404 Group Not Found"}`, a.body)
	a = raw(t, srv, http.MethodGet, "/api/v4/groups/acme/projects", "", "-")
	assert.Equal(t, http.StatusUnauthorized, a.status)
	dev := srv.IssueToken(integrationstest.Developer)
	a = raw(t, srv, http.MethodGet, "/api/v4/groups/acme/subgroups", "", "-", "PRIVATE-TOKEN: "+dev)
	assert.Equal(t, http.StatusOK, a.status, "any member may list")
}

func TestGroupProjectsPaginationHeaders(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	for _, p := range []string{"g/a", "g/b", "g/s/c", "g/d", "g/e"} {
		srv.AddProject(p)
	}
	require.NoError(t, srv.ArchiveProject("g/e"))

	a := raw(t, srv, http.MethodGet, "/api/v4/groups/g/projects?include_subgroups=true&archived=false&per_page=2&page=1", "")
	require.Equal(t, http.StatusOK, a.status, a.body)
	for k, v := range map[string]string{"X-Total": "4", "X-Total-Pages": "2", "X-Per-Page": "2", "X-Page": "1", "X-Next-Page": "2", "X-Prev-Page": ""} {
		assert.Equal(t, v, a.header.Get(k), k)
	}
	assert.Contains(t, a.header.Get("Link"), `page=2>; rel="next"`)
	assert.Contains(t, a.header.Get("Link"), `rel="last"`)
	a = raw(t, srv, http.MethodGet, "/api/v4/groups/g/projects?include_subgroups=true&archived=false&per_page=2&page=2", "")
	assert.Equal(t, "", a.header.Get("X-Next-Page"))
	assert.Equal(t, "1", a.header.Get("X-Prev-Page"))
	assert.NotContains(t, a.header.Get("Link"), `rel="next"`)
	a = raw(t, srv, http.MethodGet, "/api/v4/groups/g/projects?include_subgroups=true&archived=true", "")
	assert.Contains(t, a.body, `"path_with_namespace":"g/e","archived":true`)
	assert.Equal(t, "1", a.header.Get("X-Total"))

	// Keyset: a Link with id_after, and no page-number headers.
	a = raw(t, srv, http.MethodGet, "/api/v4/groups/g/projects?include_subgroups=true&pagination=keyset&order_by=id&sort=asc&per_page=3", "")
	require.Equal(t, http.StatusOK, a.status, a.body)
	assert.Empty(t, a.header.Get("X-Total"))
	link := a.header.Get("Link")
	require.True(t, strings.HasPrefix(link, "<"+srv.URL()+"/api/v4/groups/g/projects?"), link)
	assert.Contains(t, link, "id_after=3")
	a = raw(t, srv, http.MethodGet, "/api/v4/groups/g/projects?include_subgroups=true&pagination=keyset&order_by=id&sort=asc&per_page=3&id_after=3", "")
	assert.Empty(t, a.header.Get("Link"))
	assert.Equal(t, 2, strings.Count(a.body, `"id"`))

	noKeyset := integrationstest.NewServer(integrationstest.WithoutKeysetPagination())
	defer noKeyset.Close()
	noKeyset.AddProject("g/a")
	a = raw(t, noKeyset, http.MethodGet, "/api/v4/groups/g/projects?pagination=keyset&order_by=id", "")
	assert.Equal(t, http.StatusMethodNotAllowed, a.status)
	a = raw(t, noKeyset, http.MethodGet, "/api/v4/groups/g/descendant_groups?pagination=keyset&order_by=id", "")
	assert.Equal(t, http.StatusMethodNotAllowed, a.status, "groups have no keyset pagination")
}
