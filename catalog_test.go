package integrations

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedSpecPath is the research team's machine-readable description of
// GitLab's API, beside the module in the project's checkout.
const sharedSpecPath = "../shared/gitlab-api/integrations.json"

// sharedSpec is the part of the shared JSON the catalog is checked against.
type sharedSpec struct {
	Integrations []struct {
		Slug       string   `json:"slug"`
		Title      string   `json:"title"`
		Current    bool     `json:"current"`
		APIExposed bool     `json:"api_exposed"`
		Project    bool     `json:"project"`
		Group      bool     `json:"group"`
		Tier       string   `json:"tier"`
		Events     []string `json:"events"`
		Parameters []struct {
			Name          string `json:"name"`
			Type          string `json:"type"`
			Required      bool   `json:"required"`
			Secret        bool   `json:"secret"`
			Current       bool   `json:"current"`
			Returned      bool   `json:"returned_in_properties"`
			AllowedValues []any  `json:"allowed_values"`
		} `json:"parameters"`
	} `json:"integrations"`
}

// TestCatalogCounts checks the numbers the SDK promises: 55 integrations, 55
// usable on projects, 47 on groups, four removed from current GitLab.
func TestCatalogCounts(t *testing.T) {
	t.Parallel()
	cat := Catalog()
	var project, group, params int
	var removed []string
	for i, it := range cat {
		if it.Project {
			project++
		}
		if it.Group {
			group++
		}
		if it.RemovedIn != "" {
			removed = append(removed, it.Slug+"@"+it.RemovedIn)
		}
		params += len(it.Parameters)
		if i > 0 {
			assert.Less(t, cat[i-1].Slug, it.Slug, "Catalog is ordered by slug")
		}
	}
	assert.Len(t, cat, 55)
	assert.Equal(t, 55, project)
	assert.Equal(t, 47, group)
	assert.Equal(t, []string{"flowdock@15.0", "jenkins-deprecated@13.0", "prometheus@17.8", "slack-slash-commands@19.0"}, removed)
	t.Logf("catalog: %d integrations, %d project, %d group, %d parameters", len(cat), project, group, params)
}

// TestCatalogEntries checks each entry is usable on its own: a Client field
// named GoName whose service reports the same entry, unique parameter names,
// known types, and the facts the original documentation got wrong.
func TestCatalogEntries(t *testing.T) {
	t.Parallel()
	c, err := NewClient(fakeToken)
	require.NoError(t, err)
	cv := reflect.ValueOf(c).Elem()
	for _, it := range Catalog() {
		field := cv.FieldByName(it.GoName)
		require.True(t, field.IsValid(), "Client has no field %s", it.GoName)
		require.False(t, field.IsNil(), "Client.%s is nil", it.GoName)
		info := field.MethodByName("Info").Call(nil)[0].Interface().(IntegrationInfo)
		assert.Equal(t, it, info, "Client.%s.Info()", it.GoName)

		got, ok := Lookup(it.Slug)
		assert.True(t, ok)
		assert.Equal(t, it, got)

		assert.NotEmpty(t, it.Title)
		assert.NotEmpty(t, it.Summary)
		assert.Contains(t, []string{"free", "premium", "ultimate", "dev-only"}, it.Tier, it.Slug)
		assert.True(t, it.Project, "%s: every integration of the API exists on projects", it.Slug)
		seen := map[string]bool{}
		for _, p := range it.Parameters {
			assert.False(t, seen[p.Name], "%s: %s twice", it.Slug, p.Name)
			seen[p.Name] = true
			assert.Contains(t, []ParameterType{TypeString, TypeBoolean, TypeInteger, TypeStringList}, p.Type, "%s.%s", it.Slug, p.Name)
			assert.NotEmpty(t, p.GoName)
			assert.NotEmpty(t, p.Description, "%s.%s", it.Slug, p.Name)
			if p.CommaList {
				assert.Equal(t, TypeString, p.Type)
				assert.NotEmpty(t, p.AllowedValues)
			}
			if p.Event {
				assert.Equal(t, TypeBoolean, p.Type, "%s.%s", it.Slug, p.Name)
			}
		}
		for _, e := range it.Events {
			p, ok := it.Parameter(e)
			if assert.True(t, ok, "%s: event %s is not a parameter", it.Slug, e) {
				assert.True(t, p.Event, "%s.%s", it.Slug, e)
			}
		}
	}
	_, ok := Lookup("apple_app_store")
	assert.False(t, ok, "slugs use dashes")

	packagist := catalogEntry(t, "packagist")
	server, ok := packagist.Parameter("server")
	require.True(t, ok)
	assert.Equal(t, TypeString, server.Type, "packagist.server is a string, not the boolean the docs say")
	pivotal := catalogEntry(t, "pivotaltracker")
	branch, ok := pivotal.Parameter("restrict_to_branch")
	require.True(t, ok)
	assert.Equal(t, TypeString, branch.Type, "pivotaltracker.restrict_to_branch is a string")
	jira := catalogEntry(t, "jira")
	username, ok := jira.Parameter("username")
	require.True(t, ok)
	assert.False(t, username.Required, "jira username is optional since personal access token auth")
	password, _ := jira.Parameter("password")
	assert.True(t, password.Required && password.Secret)
	_, ok = jira.Parameter("no_such_parameter")
	assert.False(t, ok)
}

// TestCatalogIsACopy checks that changing Catalog's result changes nothing.
func TestCatalogIsACopy(t *testing.T) {
	t.Parallel()
	a := Catalog()
	a[0].Slug = "changed"
	a[0].Events = append(a[0].Events[:0:0], "changed")
	a[0].Parameters[0].Name = "changed"
	for i := range a {
		for j := range a[i].Parameters {
			if len(a[i].Parameters[j].AllowedValues) > 0 {
				a[i].Parameters[j].AllowedValues[0] = "changed"
			}
		}
	}
	b := Catalog()
	assert.NotEqual(t, "changed", b[0].Slug)
	assert.NotEqual(t, "changed", b[0].Parameters[0].Name)
	for _, it := range b {
		for _, p := range it.Parameters {
			assert.NotContains(t, p.AllowedValues, "changed")
		}
	}
}

// TestCatalogMatchesSharedSpec compares every integration and parameter with
// the shared JSON the SDK was generated from: the same parameter names in
// the same order, types, required flags, reported flags, allowed values and
// levels. The SDK may treat more parameters as secret than GitLab does
// (webhook URLs), never fewer.
func TestCatalogMatchesSharedSpec(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(sharedSpecPath)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent (the module is tested outside the project's checkout)", sharedSpecPath)
	}
	require.NoError(t, err)
	var spec sharedSpec
	require.NoError(t, json.Unmarshal(raw, &spec))

	cat := map[string]IntegrationInfo{}
	for _, it := range Catalog() {
		cat[it.Slug] = it
	}
	var notInSDK []string
	var compared, params int
	for _, s := range spec.Integrations {
		it, ok := cat[s.Slug]
		if !ok {
			notInSDK = append(notInSDK, s.Slug)
			assert.False(t, s.APIExposed, "%s is served by the API but missing from the SDK", s.Slug)
			assert.Empty(t, s.Parameters, s.Slug)
			continue
		}
		compared++
		delete(cat, s.Slug)
		assert.Equal(t, s.Title, it.Title, s.Slug)
		assert.Equal(t, s.Tier, it.Tier, s.Slug)
		assert.ElementsMatch(t, s.Events, it.Events, "%s: events", s.Slug)
		if it.RemovedIn == "" {
			assert.True(t, s.Current, "%s: current in the SDK, not in the shared JSON", s.Slug)
			assert.Equal(t, s.Project, it.Project, "%s: project level", s.Slug)
			assert.Equal(t, s.Group, it.Group, "%s: group level", s.Slug)
		} else {
			assert.False(t, s.Current, "%s: removed in the SDK, current in the shared JSON", s.Slug)
			// The shared JSON marks most removed integrations as available
			// nowhere; they were project integrations, which older servers
			// still serve.
			assert.True(t, it.Project, s.Slug)
			assert.False(t, it.Group && !s.Group, "%s: group level", s.Slug)
		}

		var specNames, sdkNames []string
		for _, p := range s.Parameters {
			specNames = append(specNames, p.Name)
		}
		for _, p := range it.Parameters {
			sdkNames = append(sdkNames, p.Name)
		}
		require.Equal(t, specNames, sdkNames, "%s: parameter names", s.Slug)
		for i, sp := range s.Parameters {
			params++
			p := it.Parameters[i]
			where := s.Slug + "." + sp.Name
			assert.Equal(t, sp.Type, string(p.Type), where)
			assert.Equal(t, sp.Required, p.Required, where)
			assert.Equal(t, sp.Returned, p.Returned, where)
			assert.True(t, p.Secret || !sp.Secret, "%s is secret in GitLab, so in the SDK", where)
			var allowed []string
			for _, v := range sp.AllowedValues {
				allowed = append(allowed, fmt.Sprint(v))
			}
			assert.Equal(t, allowed, nilIfNone(p.AllowedValues), where)
			// A parameter the current server no longer declares is marked
			// Ignored, except in integrations the server no longer has.
			if it.RemovedIn == "" {
				assert.Equal(t, !sp.Current, p.Ignored, "%s: ignored", where)
			}
		}
	}
	assert.Empty(t, cat, "integrations of the SDK missing from the shared JSON")
	slices.Sort(notInSDK)
	assert.Equal(t, []string{"amazon-q", "beyond-identity"}, notInSDK, "only instance-level integrations are left out")
	assert.Equal(t, 55, compared)
	t.Logf("shared JSON: %d integrations and %d parameters compared; left out: %v", compared, params, notInSDK)
}

func nilIfNone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestCatalogCopiesShareNothing: Catalog copies every integration's
// slices into shared arrays; appending to one copy must not write into the
// next integration's, nor change the SDK's catalog.
func TestCatalogCopiesShareNothing(t *testing.T) {
	all := Catalog()
	for i := range all[:len(all)-1] {
		next := slices.Clone(all[i+1].Events)
		nextParams := slices.Clone(all[i+1].Parameters)
		all[i].Events = append(all[i].Events, "x_events")
		all[i].Parameters = append(all[i].Parameters, ParameterInfo{Name: "x"})
		for j := range all[i].Parameters {
			all[i].Parameters[j].AllowedValues = append(all[i].Parameters[j].AllowedValues, "x")
		}
		assert.Equal(t, next, all[i+1].Events, all[i+1].Slug)
		for j := range nextParams {
			assert.Equal(t, nextParams[j].AllowedValues, all[i+1].Parameters[j].AllowedValues, all[i+1].Slug)
		}
	}
	for i := range catalog {
		assert.Equal(t, append([]string(nil), catalog[i].Events...), Catalog()[i].Events, "the SDK's catalog is untouched")
	}
	for _, info := range Catalog() {
		got, ok := Lookup(info.Slug)
		require.True(t, ok)
		assert.Equal(t, info, got)
	}
}

// TestCatalogCostIsFlat: Catalog makes the same four allocations whatever
// the number of integrations, and Lookup copies one integration only.
func TestCatalogCostIsFlat(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	assert.Equal(t, 4.0, testing.AllocsPerRun(20, func() { _ = Catalog() }))
	last := catalog[len(catalog)-1].Slug
	assert.LessOrEqual(t, testing.AllocsPerRun(20, func() { _, _ = Lookup(last) }), 4.0)
}
