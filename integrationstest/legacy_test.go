package integrationstest_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// TestLegacyServicesEveryIntegration plays a GitLab before 14.4, which has
// /projects/:id/services only: every project-level integration makes the
// full round trip there, unchanged code, one client.
func TestLegacyServicesEveryIntegration(t *testing.T) {
	srv := integrationstest.NewServer(integrationstest.WithLegacyServicesOnly(), integrationstest.WithRemovedIntegrations())
	defer srv.Close()
	c, err := srv.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)

	// The first call finds out, once: /integrations is unknown, /services works.
	srv.AddProject("acme/first")
	var resp *http.Response
	_, err = c.Slack.Get(context.Background(), integrations.Project("acme/first"), integrations.WithResponseInto(&resp))
	require.ErrorIs(t, err, integrations.ErrIntegrationNotFound)
	require.NotNil(t, resp)
	assert.Contains(t, resp.Request.URL.Path, "/services/slack", "WithResponseInto gets the answer returned")
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/api/v4/projects/acme%2Ffirst/integrations/slack", reqs[0].Path)
	assert.Equal(t, http.StatusNotFound, reqs[0].Status)
	assert.Equal(t, "/api/v4/projects/acme%2Ffirst/services/slack", reqs[1].Path)

	var cases atomic.Int32
	want := 0
	t.Run("projects", func(t *testing.T) {
		for _, info := range integrations.Catalog() {
			if !info.Project {
				continue
			}
			want++
			t.Run(info.Slug, func(t *testing.T) {
				t.Parallel()
				path := "acme/" + info.Slug
				srv.AddProject(path)
				roundTrip(t, srv, c, info, integrations.Project(path), path, "/api/v4/projects/acme%2F"+info.Slug+"/services/"+info.Slug)
				cases.Add(1)
			})
		}
	})
	assert.Equal(t, 55, want)
	assert.EqualValues(t, want, cases.Load(), "round trips on the legacy path that passed")
	for _, r := range srv.Requests()[2:] {
		assert.NotContains(t, r.Path, "/integrations", "the client remembered the legacy path")
	}

	// Groups have no legacy alias: the answer says why.
	srv.AddGroup("acme")
	_, err = c.Slack.Get(context.Background(), integrations.Group("acme"))
	var gerr *integrations.Error
	require.ErrorAs(t, err, &gerr)
	assert.Equal(t, http.StatusNotFound, gerr.StatusCode)
	assert.Contains(t, err.Error(), "GitLab serves group integrations since 17.9")
	assert.False(t, strings.Contains(srv.Requests()[len(srv.Requests())-1].Path, "/services"))
}

// TestCurrentServerNeverUsesServices checks that on a current GitLab
// no request goes below /services, for every integration at both levels,
// even for answers that are errors.
func TestCurrentServerNeverUsesServices(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	pid := srv.AddProject("acme/web")
	gid := srv.AddGroup("acme")
	c, err := srv.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)
	n := 0
	for _, info := range integrations.Catalog() {
		if info.RemovedIn != "" {
			continue
		}
		svc, err := serviceOf(c, info)
		require.NoError(t, err)
		_, err = svc.get(context.Background(), integrations.ProjectID(pid))
		require.ErrorIs(t, err, integrations.ErrIntegrationNotFound, info.Slug)
		if info.Group {
			_, err = svc.get(context.Background(), integrations.GroupID(gid))
			require.ErrorIs(t, err, integrations.ErrIntegrationNotFound, info.Slug)
		}
		n++
	}
	assert.Equal(t, 51, n)
	for _, r := range srv.Requests() {
		assert.NotContains(t, r.Path, "/services")
	}
}

// TestRemovedIntegrationsOnCurrentGitLab checks Get, Set and Delete of
// every integration GitLab removed: the error names the version.
func TestRemovedIntegrationsOnCurrentGitLab(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	pid := srv.AddProject("acme/web")
	c, err := srv.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)
	ctx := context.Background()
	n := 0
	for _, info := range integrations.Catalog() {
		if info.RemovedIn == "" {
			continue
		}
		n++
		svc, err := serviceOf(c, info)
		require.NoError(t, err)
		opts := svc.newOptions()
		_, err = fill(info, opts, 1)
		require.NoError(t, err)
		_, getErr := svc.get(ctx, integrations.ProjectID(pid))
		_, setErr := svc.set(ctx, integrations.ProjectID(pid), opts)
		delErr := svc.delete(ctx, integrations.ProjectID(pid))
		for op, err := range map[string]error{"Get": getErr, "Set": setErr, "Delete": delErr} {
			require.ErrorIs(t, err, integrations.ErrIntegrationRemoved, "%s %s", op, info.Slug)
			assert.ErrorIs(t, err, integrations.ErrUnknownIntegration)
			assert.Contains(t, err.Error(), "removed in GitLab "+info.RemovedIn, "%s %s", op, info.Slug)
		}
	}
	assert.Equal(t, 4, n)

	// On an older server that still has them, nothing is removed.
	old := integrationstest.NewServer(integrationstest.WithRemovedIntegrations())
	defer old.Close()
	old.AddProject("acme/web")
	oc, err := old.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)
	//lint:ignore SA1019 the removed integration is what is tested
	_, err = oc.Flowdock.Get(ctx, integrations.Project("acme/web"))
	require.ErrorIs(t, err, integrations.ErrIntegrationNotFound)
	assert.NotErrorIs(t, err, integrations.ErrIntegrationRemoved)

	// A current integration GitLab does not know is unknown, not removed.
	_, err = c.Slack.Get(ctx, integrations.ProjectID(pid))
	assert.NotErrorIs(t, err, integrations.ErrIntegrationRemoved)
}

// pathRewriter is a transport that changes a request's path before it
// leaves, so that the SDK can be made to ask what its own checks refuse.
type pathRewriter struct{ from, to string }

func (p pathRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Path = strings.Replace(r.URL.Path, p.from, p.to, 1)
	r.URL.RawPath = strings.Replace(r.URL.RawPath, p.from, p.to, 1)
	return http.DefaultTransport.RoundTrip(r)
}

// TestIntegrationNotAvailable reaches GitLab's 400 "Integration not
// available" (here for a project-only integration on a group, which the
// SDK itself refuses, so the path is rewritten on the way) and checks the
// error names the usual causes.
func TestIntegrationNotAvailable(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	srv.AddGroup("acme")
	c, err := integrations.NewClient(srv.Token(), integrations.WithBaseURL(srv.URL()), integrations.WithoutRetries(),
		integrations.WithHTTPClient(&http.Client{Transport: pathRewriter{from: "/integrations/slack", to: "/integrations/jenkins"}}))
	require.NoError(t, err)
	_, err = c.Slack.Get(context.Background(), integrations.Group("acme"))
	require.ErrorIs(t, err, integrations.ErrIntegrationNotAvailable)
	assert.NotErrorIs(t, err, integrations.ErrIntegrationRemoved)
	for _, cause := range []string{"instance's settings", "tier", "projects only"} {
		assert.Contains(t, err.Error(), cause)
	}
}
