package integrationstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// TestRoundTripEveryIntegration sets up, reads back, lists and disables
// every integration of the catalog at every level it supports, through the
// SDK, against a server that also serves the integrations current GitLab
// removed: 55 cases at project level and 47 at group level.
func TestRoundTripEveryIntegration(t *testing.T) {
	srv := integrationstest.NewServer(integrationstest.WithRemovedIntegrations())
	defer srv.Close()
	c, err := srv.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)

	var projectCases, groupCases atomic.Int32
	wantProject, wantGroup := 0, 0
	for _, info := range integrations.Catalog() {
		if info.Project {
			wantProject++
		}
		if info.Group {
			wantGroup++
		}
	}
	t.Run("levels", func(t *testing.T) {
		for _, info := range integrations.Catalog() {
			if info.Project {
				t.Run("project/"+info.Slug, func(t *testing.T) {
					t.Parallel()
					path := "acme/" + info.Slug + ".site"
					srv.AddProject(path)
					wantPath := "/api/v4/projects/acme%2F" + info.Slug + "%2Esite/integrations/" + info.Slug
					roundTrip(t, srv, c, info, integrations.Project(path), path, wantPath)
					projectCases.Add(1)
				})
			}
			if info.Group {
				t.Run("group/"+info.Slug, func(t *testing.T) {
					t.Parallel()
					path := "groups/" + info.Slug
					id := srv.AddGroup(path)
					require.NotZero(t, id)
					wantPath := fmt.Sprintf("/api/v4/groups/%d/integrations/%s", id, info.Slug)
					roundTrip(t, srv, c, info, integrations.GroupID(id), path, wantPath)
					groupCases.Add(1)
				})
			}
		}
	})
	assert.Equal(t, 55, wantProject, "integrations the catalog offers for projects")
	assert.Equal(t, 47, wantGroup, "integrations the catalog offers for groups")
	assert.EqualValues(t, wantProject, projectCases.Load(), "project-level round trips that passed")
	assert.EqualValues(t, wantGroup, groupCases.Load(), "group-level round trips that passed")
}

// roundTrip runs Set (twice, so that an update changes every value), Get,
// List, Delete and Get again for one integration on one project or group.
func roundTrip(t *testing.T, srv *integrationstest.Server, c *integrations.Client, info integrations.IntegrationInfo, scope integrations.Scope, path, wantPath string) {
	ctx := context.Background()
	svc, err := serviceOf(c, info)
	require.NoError(t, err)

	if info.Slug == "gitlab-slack-application" || info.Slug == "jira-cloud-app" {
		// GitLab refuses to create the app integrations through the API.
		opts := svc.newOptions()
		_, err := fill(info, opts, 1)
		require.NoError(t, err)
		_, err = svc.set(ctx, scope, opts)
		var gerr *integrations.Error
		require.ErrorAs(t, err, &gerr)
		assert.Equal(t, http.StatusUnprocessableEntity, gerr.StatusCode)
		assert.Equal(t, "You cannot create the "+info.Title+" integration from the API", gerr.Message)
		require.NoError(t, srv.InstallApp(path, info.Slug))
	}

	var sent map[string]any
	for round := 1; round <= 2; round++ {
		opts := svc.newOptions()
		sent, err = fill(info, opts, round)
		require.NoError(t, err)
		got, err := svc.set(ctx, scope, opts)
		require.NoError(t, err, "round %d", round)
		assertSettings(t, info, got, sent, true)
		assertSentEverything(t, srv, wantPath, sent)
	}

	got, err := svc.get(ctx, scope)
	require.NoError(t, err)
	assertSettings(t, info, got, sent, true)

	list, err := c.List(ctx, scope)
	require.NoError(t, err)
	assert.Contains(t, slugs(list), info.Slug, "List after Set")

	err = svc.delete(ctx, scope)
	if info.Slug == "jira-cloud-app" {
		// GitLab does not let the API disable it.
		var gerr *integrations.Error
		require.ErrorAs(t, err, &gerr)
		assert.Equal(t, http.StatusUnprocessableEntity, gerr.StatusCode)
		assert.Equal(t, "You cannot disable the GitLab for Jira Cloud app integration from the API", gerr.Message)
		return
	}
	require.NoError(t, err)
	after, err := svc.get(ctx, scope)
	require.NoError(t, err, "GitLab keeps a disabled integration: Get finds it, inactive")
	assertSettings(t, info, after, sent, false)
	list, err = c.List(ctx, scope)
	require.NoError(t, err)
	assert.NotContains(t, slugs(list), info.Slug, "List after Delete")
}

// assertSettings checks an answer against the values sent: every
// parameter GitLab returns holds its value (or its reset value after
// Delete), "properties" holds exactly the returned parameters, and the
// top-level event flags hold the values sent (Delete keeps them).
func assertSettings(t *testing.T, info integrations.IntegrationInfo, got settings, sent map[string]any, active bool) {
	t.Helper()
	in := got.integration()
	assert.Equal(t, info.Slug, in.Slug)
	assert.Equal(t, info.Title, in.Title)
	assert.Equal(t, active, in.Active, "active")
	assert.False(t, in.Inherited, "inherited")
	assert.NotZero(t, in.ID)
	assert.False(t, in.CreatedAt.IsZero(), "created_at")

	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(got.rawProperties(), &raw), "properties: %s", got.rawProperties())
	var rawKeys, returned []string
	for k := range raw {
		rawKeys = append(rawKeys, k)
	}
	props := got.properties()
	inVal := reflect.ValueOf(in)
	for _, p := range info.Parameters {
		top, isTop := fieldByJSON(inVal, p.Name)
		if isTop && !p.Ignored && (p.Event || p.Name == "comment_on_event_enabled") {
			assert.Equal(t, sent[p.Name], top.Interface(), "top-level %s", p.Name)
		}
		if !p.Returned || p.Ignored {
			continue
		}
		returned = append(returned, p.Name)
		field, ok := fieldByJSON(props, p.Name)
		if !assert.True(t, ok, "%sProperties has no field for %s", info.GoName, p.Name) {
			continue
		}
		want := sent[p.Name]
		if !active && !isTop {
			// Delete resets every setting but the flags.
			want = reflect.Zero(field.Type()).Interface()
		}
		assert.Equal(t, want, field.Interface(), "properties.%s", p.Name)
	}
	sort.Strings(rawKeys)
	sort.Strings(returned)
	assert.Equal(t, returned, rawKeys, "properties holds exactly the parameters GitLab returns (no secret, no webhook)")
}

// assertSentEverything checks that the last PUT's body held every
// parameter under its API name with the value set, secrets included.
func assertSentEverything(t *testing.T, srv *integrationstest.Server, path string, sent map[string]any) {
	t.Helper()
	var body map[string]any
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		r := reqs[i]
		if r.Method == http.MethodPut && r.Path == path {
			var err error
			body, err = r.JSON()
			require.NoError(t, err)
			break
		}
	}
	require.NotNil(t, body, "no PUT to %s in the request log", path)
	for name, v := range sent {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		var want any
		require.NoError(t, json.Unmarshal(b, &want))
		assert.Equal(t, want, body[name], "sent %s", name)
	}
	assert.Len(t, body, len(sent), "the body holds the parameters set and nothing else")
}

func slugs(list []*integrations.Integration) []string {
	out := make([]string, 0, len(list))
	for _, it := range list {
		out = append(out, it.Slug)
	}
	return out
}
