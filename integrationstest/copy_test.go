package integrationstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// TestCopyEveryIntegration copies each integration's settings from one
// project (or group) to another, at every level it supports, both through
// the typed service and by slug: Get, OptionsFrom, the missing secrets
// filled, Set on the other scope. The copy reports the same properties and
// event flags as the original.
func TestCopyEveryIntegration(t *testing.T) {
	srv := integrationstest.NewServer(integrationstest.WithRemovedIntegrations())
	defer srv.Close()
	c, err := srv.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)

	var typed, bySlug atomic.Int32
	want := 0
	t.Run("levels", func(t *testing.T) { copyAll(t, srv, c, &want, &typed, &bySlug) })
	assert.Equal(t, 55+47, want, "integration × level pairs in the catalog")
	assert.EqualValues(t, want, typed.Load(), "typed copies that passed")
	assert.EqualValues(t, want, bySlug.Load(), "by-slug copies that passed")
}

func copyAll(t *testing.T, srv *integrationstest.Server, c *integrations.Client, want *int, typed, bySlug *atomic.Int32) {
	for _, info := range integrations.Catalog() {
		for _, group := range []bool{false, true} {
			if (group && !info.Group) || (!group && !info.Project) {
				continue
			}
			*want++
			level := map[bool]string{false: "project", true: "group"}[group]
			t.Run(level+"/"+info.Slug, func(t *testing.T) {
				t.Parallel()
				from, to := copyScopes(t, srv, info, level, group)
				copyTyped(t, c, info, from, to[0])
				typed.Add(1)
				copyBySlug(t, c, info, from, to[1])
				bySlug.Add(1)
			})
		}
	}
}

// copyScopes makes a source and two target projects or groups for info,
// with the app integrations installed where GitLab needs it.
func copyScopes(t *testing.T, srv *integrationstest.Server, info integrations.IntegrationInfo, level string, group bool) (integrations.Scope, [2]integrations.Scope) {
	var scopes [3]integrations.Scope
	for i := range scopes {
		path := fmt.Sprintf("copy-%s/%s-%d", level, info.Slug, i)
		if group {
			srv.AddGroup(path)
			scopes[i] = integrations.Group(path)
		} else {
			srv.AddProject(path)
			scopes[i] = integrations.Project(path)
		}
		if info.Slug == "gitlab-slack-application" || info.Slug == "jira-cloud-app" {
			require.NoError(t, srv.InstallApp(path, info.Slug))
		}
	}
	return scopes[0], [2]integrations.Scope{scopes[1], scopes[2]}
}

func copyTyped(t *testing.T, c *integrations.Client, info integrations.IntegrationInfo, from, to integrations.Scope) {
	ctx := context.Background()
	svc, err := serviceOf(c, info)
	require.NoError(t, err)
	opts := svc.newOptions()
	_, err = fill(info, opts, 1)
	require.NoError(t, err)
	_, err = svc.set(ctx, from, opts)
	require.NoError(t, err)
	orig, err := svc.get(ctx, from)
	require.NoError(t, err)

	out := svc.call("OptionsFrom", orig.v)
	copied, missing := out[0], out[1].Interface().([]string)
	require.False(t, copied.IsNil(), "OptionsFrom gave nil options")
	assert.Equal(t, unreported(info), missing, "required parameters GitLab does not report")
	for _, name := range missing {
		f, ok := fieldByJSON(copied.Elem(), name)
		require.True(t, ok, name)
		fillOne(t, info, name, f)
	}
	_, err = svc.set(ctx, to, copied)
	require.NoError(t, err, "Set(OptionsFrom(Get))")
	got, err := svc.get(ctx, to)
	require.NoError(t, err)
	assertSameState(t, orig.v.Interface(), got.v.Interface())
}

func copyBySlug(t *testing.T, c *integrations.Client, info integrations.IntegrationInfo, from, to integrations.Scope) {
	ctx := context.Background()
	d, err := c.Integration(info.Slug)
	require.NoError(t, err)
	orig, err := d.Get(ctx, from)
	require.NoError(t, err)
	v, missing := d.OptionsFrom(orig)
	assert.Equal(t, unreported(info), missing)
	for _, name := range missing {
		v[name] = "copied-" + name
		switch p, _ := info.Parameter(name); {
		case p.Type == integrations.TypeStringList:
			v[name] = "a,b"
		case p.Format == integrations.FormatURL:
			v[name] = "https://copied.example.com/" + name
		default:
			v[name] = fitPattern(p, "copied-"+name)
		}
	}
	_, err = d.Set(ctx, to, v)
	require.NoError(t, err, "Set(OptionsFrom(Get)) by slug")
	got, err := d.Get(ctx, to)
	require.NoError(t, err)
	assertSameState(t, orig, got)
	for k, val := range orig.Properties {
		assert.Equal(t, val, got.Properties[k], "property %s", k)
	}
}

// unreported lists, in API order, the required parameters GitLab never
// reports: those a copy must be given.
func unreported(info integrations.IntegrationInfo) []string {
	var out []string
	for _, p := range info.Parameters {
		if p.Required && !p.Returned && !p.Ignored {
			out = append(out, p.Name)
		}
	}
	return out
}

func fillOne(t *testing.T, info integrations.IntegrationInfo, name string, f reflect.Value) {
	p, _ := info.Parameter(name)
	switch f.Kind() {
	case reflect.String:
		f.SetString(stringValue(p, 2))
	case reflect.Slice:
		f.Set(reflect.ValueOf([]string{"a", "b"}).Convert(f.Type()))
	default:
		t.Fatalf("%s: cannot fill required %s of kind %s", info.Slug, name, f.Kind())
	}
}

// assertSameState compares two settings' properties and common fields,
// leaving out what differs between any two records (id, times).
func assertSameState(t *testing.T, want, got any) {
	t.Helper()
	norm := func(v any) map[string]any {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(data, &m))
		for _, k := range []string{"id", "created_at", "updated_at"} {
			delete(m, k)
		}
		return m
	}
	assert.Equal(t, norm(want), norm(got))
}
