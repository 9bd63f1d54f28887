package integrations_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// treeServer has the group tree acme → acme/sub → acme/sub/deep, with
// projects at every level, one archived, and a sibling tree that must not
// show up.
func treeServer(t *testing.T, opts ...integrationstest.Option) (*integrationstest.Server, *integrations.Client) {
	t.Helper()
	srv := integrationstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	for _, p := range []string{"acme/web", "acme/api", "acme/sub/tool", "acme/sub/deep/lib", "acme/sub/old", "other/app", "acmeish/x"} {
		require.NotZero(t, srv.AddProject(p), p)
	}
	require.NotZero(t, srv.AddGroup("acme/empty"))
	require.NoError(t, srv.ArchiveProject("acme/sub/old"))
	c, err := srv.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)
	return srv, c
}

func projectPaths(t *testing.T, seq func(func(*integrations.ProjectInfo, error) bool)) []string {
	t.Helper()
	var out []string
	for p, err := range seq {
		require.NoError(t, err)
		out = append(out, p.PathWithNamespace)
	}
	return out
}

func TestProjectsFollowsEveryPage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []integrationstest.Option
		keyset bool
	}{
		{"keyset", nil, true},
		{"offset after a 405 for keyset", []integrationstest.Option{integrationstest.WithoutKeysetPagination()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := treeServer(t, tc.opts...)
			srv.AddProject("acme/sub/deep/more") // archived: the server leaves it out
			require.NoError(t, srv.ArchiveProject("acme/sub/deep/more"))
			ctx := context.Background()
			for size := 1; size <= 5; size++ {
				srv.ResetRequests()
				got := projectPaths(t, c.Projects(ctx, integrations.Group("acme"), integrations.WithPageSize(size)))
				assert.Equal(t, []string{"acme/web", "acme/api", "acme/sub/tool", "acme/sub/deep/lib"}, got, "page size %d", size)
				reqs := srv.Requests()
				pages := (len(got) + size - 1) / size // one request per page
				if !tc.keyset {
					pages++ // and the keyset request the server refused
				}
				assert.Len(t, reqs, pages, "page size %d", size)
				for _, r := range reqs {
					assert.Equal(t, "/api/v4/groups/acme/projects", r.Path)
					assert.Equal(t, "true", r.Query.Get("include_subgroups"))
					assert.Equal(t, "false", r.Query.Get("archived"))
					assert.Equal(t, "id", r.Query.Get("order_by"))
					assert.Equal(t, "asc", r.Query.Get("sort"))
					assert.Equal(t, fmt.Sprint(size), r.Query.Get("per_page"))
				}
				assert.Equal(t, "keyset", reqs[0].Query.Get("pagination"))
				if tc.keyset {
					assert.Equal(t, "keyset", reqs[len(reqs)-1].Query.Get("pagination"))
				} else {
					assert.Empty(t, reqs[len(reqs)-1].Query.Get("pagination"))
				}
			}
		})
	}
}

func TestProjectsOptions(t *testing.T) {
	_, c := treeServer(t)
	ctx := context.Background()
	assert.Equal(t, []string{"acme/web", "acme/api", "acme/sub/tool", "acme/sub/deep/lib", "acme/sub/old"},
		projectPaths(t, c.Projects(ctx, integrations.Group("acme"), integrations.IncludeArchived(), integrations.WithPageSize(2))))
	assert.Equal(t, []string{"acme/web", "acme/api"},
		projectPaths(t, c.Projects(ctx, integrations.Group("acme"), integrations.WithoutSubgroups())))
	assert.Equal(t, []string{"acme/sub/tool", "acme/sub/deep/lib"},
		projectPaths(t, c.Projects(ctx, integrations.Group("acme/sub"), integrations.WithPageSize(1))),
		"next links below an escaped group path")
	assert.Empty(t, projectPaths(t, c.Projects(ctx, integrations.Group("acme/empty"))))

	var ids []int64
	for p, err := range c.Projects(ctx, integrations.Group("acme")) {
		require.NoError(t, err)
		assert.False(t, p.Archived)
		assert.Equal(t, integrations.ProjectID(p.ID), p.Scope())
		assert.Equal(t, p.PathWithNamespace[strings.LastIndex(p.PathWithNamespace, "/")+1:], p.Path)
		ids = append(ids, p.ID)
	}
	assert.IsIncreasing(t, ids)
}

func TestSubgroups(t *testing.T) {
	srv, c := treeServer(t)
	ctx := context.Background()
	for size := 1; size <= 4; size++ {
		srv.ResetRequests()
		var got []string
		var parents []int64
		for g, err := range c.Subgroups(ctx, integrations.Group("acme"), integrations.WithPageSize(size)) {
			require.NoError(t, err)
			got = append(got, g.FullPath)
			parents = append(parents, g.ParentID)
			assert.Equal(t, integrations.GroupID(g.ID), g.Scope())
		}
		assert.Equal(t, []string{"acme/sub", "acme/sub/deep", "acme/empty"}, got, "page size %d", size)
		assert.Equal(t, (len(got)+size-1)/size, len(srv.Requests()), "one request per page, size %d", size)
		require.Len(t, parents, 3)
		assert.Equal(t, parents[0], parents[2], "acme/sub and acme/empty share their parent")
		for _, r := range srv.Requests() {
			assert.Equal(t, "/api/v4/groups/acme/descendant_groups", r.Path)
		}
	}
	var direct []string
	for g, err := range c.Subgroups(ctx, integrations.Group("acme"), integrations.WithoutSubgroups()) {
		require.NoError(t, err)
		direct = append(direct, g.FullPath)
	}
	assert.Equal(t, []string{"acme/sub", "acme/empty"}, direct)
}

func TestProjectsBreakStopsRequests(t *testing.T) {
	srv, c := treeServer(t)
	n := 0
	for _, err := range c.Projects(context.Background(), integrations.Group("acme"), integrations.WithPageSize(1)) {
		require.NoError(t, err)
		if n++; n == 2 {
			break
		}
	}
	assert.Len(t, srv.Requests(), 2)
	srv.ResetRequests()
	for range c.Subgroups(context.Background(), integrations.Group("acme"), integrations.WithPageSize(1)) {
		break
	}
	assert.Len(t, srv.Requests(), 1)
}

func TestProjectsRefusedBeforeSending(t *testing.T) {
	srv, c := treeServer(t)
	var nilCtx context.Context
	for name, call := range map[string]func() error{
		"project scope": func() error { return firstErr(c.Projects(context.Background(), integrations.Project("acme/web"))) },
		"zero scope":    func() error { return firstErr(c.Projects(context.Background(), integrations.Scope{})) },
		"nil context":   func() error { return firstErr(c.Projects(nilCtx, integrations.Group("acme"))) },
		"bad path":      func() error { return firstErr(c.Projects(context.Background(), integrations.Group("acme//x"))) },
		"page size 0": func() error {
			return firstErr(c.Projects(context.Background(), integrations.Group("acme"), integrations.WithPageSize(0)))
		},
		"page size 101": func() error {
			return firstErr(c.Projects(context.Background(), integrations.Group("acme"), integrations.WithPageSize(101)))
		},
		"subgroups of a project": func() error {
			for _, err := range c.Subgroups(context.Background(), integrations.ProjectID(1)) {
				return err
			}
			return nil
		},
	} {
		err := call()
		require.ErrorIs(t, err, integrations.ErrValidation, name)
		var ve *integrations.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.True(t, strings.HasPrefix(err.Error(), "integrations: "), "%s: %v", name, err)
	}
	assert.Empty(t, srv.Requests())
}

func firstErr(seq func(func(*integrations.ProjectInfo, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestProjectsErrorStopsIteration(t *testing.T) {
	srv, c := treeServer(t)
	got, errs := 0, 0
	for p, err := range c.Projects(context.Background(), integrations.Group("nope")) {
		if err != nil {
			errs++
			assert.ErrorIs(t, err, integrations.ErrGroupNotFound)
			continue
		}
		_ = p
		got++
	}
	assert.Equal(t, 0, got)
	assert.Equal(t, 1, errs)
	assert.Len(t, srv.Requests(), 1)
}

// TestProjectsNextLinkStaysOnGitLab serves first pages whose Link points
// elsewhere (another host, another path, another scheme): the token never
// goes there, and the listing fails rather than stop early, unless
// X-Next-Page says how to go on on GitLab itself.
func TestProjectsNextLinkStaysOnGitLab(t *testing.T) {
	var stolen atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
		_, _ = w.Write([]byte(`[]`))
	}))
	defer evil.Close()
	var gitlabURL string
	gitlab := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		group := strings.Split(r.URL.Path, "/")[4]
		switch group {
		case "host":
			w.Header().Set("Link", "<"+evil.URL+r.URL.Path+"?page=2>; rel=\"next\"")
		case "path":
			w.Header().Set("Link", "<"+gitlabURL+"/api/v4/groups/other/projects?page=2>; rel=\"next\"")
		case "scheme":
			w.Header().Set("Link", "<"+strings.Replace(gitlabURL, "http:", "https:", 1)+r.URL.Path+"?page=2>; rel=\"next\"")
		case "offset":
			if r.URL.Query().Get("page") == "" {
				w.Header().Set("Link", "<"+evil.URL+r.URL.Path+"?page=2>; rel=\"next\"")
				w.Header().Set("X-Next-Page", "2")
				_, _ = w.Write([]byte(`[{"id":1,"path_with_namespace":"offset/a"}]`))
				return
			}
			_, _ = w.Write([]byte(`[{"id":2,"path_with_namespace":"offset/b"}]`))
			return
		case "badnext":
			w.Header().Set("X-Next-Page", "two")
		case "loop":
			w.Header().Set("Link", "<"+gitlabURL+r.URL.String()+">; rel=\"next\"")
		}
		_, _ = w.Write([]byte(`[{"id":1,"path_with_namespace":"` + group + `/a"}]`))
	}))
	defer gitlab.Close()
	gitlabURL = gitlab.URL
	c, err := integrations.NewClient("glpat-secret", integrations.WithBaseURL(gitlab.URL), integrations.WithoutRetries())
	require.NoError(t, err)
	for _, bad := range []string{"host", "path", "scheme", "loop", "badnext"} {
		var got []string
		var last error
		for p, err := range c.Projects(context.Background(), integrations.Group(bad)) {
			if err != nil {
				last = err
				continue
			}
			got = append(got, p.PathWithNamespace)
		}
		assert.Equal(t, []string{bad + "/a"}, got, bad)
		require.ErrorIs(t, last, integrations.ErrInvalidResponse, bad)
		assert.NotContains(t, last.Error(), "glpat-secret")
	}
	assert.Equal(t, []string{"offset/a", "offset/b"}, projectPaths(t, c.Projects(context.Background(), integrations.Group("offset"))))
	assert.Zero(t, stolen.Load(), "a request reached the other host")
}

// TestProjectsOffsetOnlyServer plays an older GitLab that ignores
// pagination=keyset and answers with page numbers only (no Link header).
func TestProjectsOffsetOnlyServer(t *testing.T) {
	var pages []string
	gitlab := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		pages = append(pages, page)
		w.Header().Set("Content-Type", "application/json")
		switch page {
		case "":
			w.Header().Set("X-Next-Page", "2")
			_, _ = w.Write([]byte(`[{"id":1,"path_with_namespace":"g/a"},{"id":2,"path_with_namespace":"g/old","archived":true}]`))
		case "2":
			w.Header().Set("X-Next-Page", "")
			_, _ = w.Write([]byte(`[{"id":3,"path_with_namespace":"g/c"}]`))
		default:
			http.Error(w, "unexpected", http.StatusTeapot)
		}
	}))
	defer gitlab.Close()
	c, err := integrations.NewClient("glpat-x", integrations.WithBaseURL(gitlab.URL), integrations.WithoutRetries())
	require.NoError(t, err)
	assert.Equal(t, []string{"g/a", "g/c"}, projectPaths(t, c.Projects(context.Background(), integrations.Group("g"))),
		"archived projects a server did not filter are still left out")
	assert.Equal(t, []string{"", "2"}, pages)
}

// TestProjectsRetriesAPage checks that a page answered 503 is asked again
// under the client's retries, and the listing goes on.
func TestProjectsRetriesAPage(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	for _, p := range []string{"g/a", "g/b", "g/c"} {
		srv.AddProject(p)
	}
	c, err := srv.NewClient(integrations.WithRetries(2, time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	n := 0
	var got []string
	for p, err := range c.Projects(context.Background(), integrations.Group("g"), integrations.WithPageSize(1)) {
		require.NoError(t, err)
		got = append(got, p.PathWithNamespace)
		if n++; n == 1 {
			srv.FailNext(1, http.StatusServiceUnavailable) // the second page fails once
		}
	}
	assert.Equal(t, []string{"g/a", "g/b", "g/c"}, got)
	statuses := []int{}
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	assert.Equal(t, []int{200, 503, 200, 200}, statuses)
}

// TestProjectsNextLinkOtherEscaping follows a next link that escapes the
// group's path in lower case ("x%2fy"): the same endpoint.
func TestProjectsNextLinkOtherEscaping(t *testing.T) {
	var srvURL string
	gitlab := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("id_after") == "" {
			w.Header().Set("Link", "<"+srvURL+"/api/v4/groups/x%2fy/projects?id_after=1>; rel=\"next\"")
			_, _ = w.Write([]byte(`[{"id":1,"path_with_namespace":"x/y/a"}]`))
			return
		}
		_, _ = w.Write([]byte(`[{"id":2,"path_with_namespace":"x/y/b"}]`))
	}))
	defer gitlab.Close()
	srvURL = gitlab.URL
	c, err := integrations.NewClient("glpat-x", integrations.WithBaseURL(gitlab.URL), integrations.WithoutRetries())
	require.NoError(t, err)
	assert.Equal(t, []string{"x/y/a", "x/y/b"}, projectPaths(t, c.Projects(context.Background(), integrations.Group("x/y"))))
}
