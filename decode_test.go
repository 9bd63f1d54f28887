package integrations

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// commonFlags are the boolean fields of Integration, by JSON name.
var commonFlags = []string{
	"active", "inherited", "comment_on_event_enabled",
	"commit_events", "push_events", "issues_events", "incident_events", "alert_events",
	"confidential_issues_events", "merge_requests_events", "tag_push_events",
	"deployment_events", "note_events", "confidential_note_events", "pipeline_events",
	"wiki_page_events", "job_events", "vulnerability_events",
}

// getThroughFake answers a Get of slug on project 42 with body and returns
// what the generated service returned.
func getThroughFake(t *testing.T, sc serviceCase, body string) (any, error) {
	t.Helper()
	fake := newFakeGitLab(t)
	fake.on(http.MethodGet, fakeBaseURL+"/api/v4/projects/42/integrations/"+sc.slug, http.StatusOK, body)
	return sc.get(context.Background(), fake.client(), ProjectID(42))
}

// assertCommonFields checks every field of Integration against the top level
// of a GET answer; flags are compared with want, the expected truth value.
func assertCommonFields(t *testing.T, slug string, integ Integration, answer map[string]any, flags map[string]bool) {
	t.Helper()
	assert.Equal(t, int64(1001), integ.ID)
	assert.Equal(t, answer["title"], integ.Title)
	assert.Equal(t, slug, integ.Slug)
	assert.True(t, integ.CreatedAt.Equal(time.Date(2026, 11, 2, 10, 15, 30, 0, time.UTC)), "created_at %v", integ.CreatedAt)
	assert.True(t, integ.UpdatedAt.Equal(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)), "updated_at %v", integ.UpdatedAt)

	rv := reflect.ValueOf(integ)
	seen := map[string]bool{}
	for i := range rv.NumField() {
		sf := rv.Type().Field(i)
		name := jsonName(sf)
		if sf.Type.Kind() != reflect.Bool {
			continue
		}
		seen[name] = true
		want, ok := flags[name]
		if assert.True(t, ok, "Integration.%s (%s) is not a known flag", sf.Name, name) {
			assert.Equal(t, want, rv.Field(i).Bool(), "%s: %s", slug, name)
		}
	}
	assert.Len(t, seen, len(commonFlags), "Integration has one bool field per common flag")
}

func allFlags(v bool) map[string]bool {
	m := map[string]bool{}
	for _, f := range commonFlags {
		m[f] = v
	}
	return m
}

// TestFixturesDecodeEveryProperty gets each integration's fixture and checks
// that every common field and every property GitLab reports is decoded, that
// the properties struct has exactly one field per reported parameter, and
// that a key the SDK does not know stays in RawProperties.
func TestFixturesDecodeEveryProperty(t *testing.T) {
	t.Parallel()
	var props int
	for _, sc := range generatedServices {
		info := catalogEntry(t, sc.slug)
		for _, p := range info.Parameters {
			if p.Returned {
				props++
			}
		}
		t.Run(sc.slug, func(t *testing.T) {
			t.Parallel()
			answer := fixtureMap(t, sc.slug)
			fixtureProps, ok := answer["properties"].(map[string]any)
			require.True(t, ok, "fixture has properties")

			var returned []string
			for _, p := range info.Parameters {
				if p.Returned {
					returned = append(returned, p.Name)
				}
			}
			fixtureKeys := make([]string, 0, len(fixtureProps))
			for k := range fixtureProps {
				fixtureKeys = append(fixtureKeys, k)
			}
			assert.ElementsMatch(t, returned, fixtureKeys, "the fixture reports every Returned parameter, and only those")

			// A key this SDK version does not know must survive in RawProperties.
			unknown := map[string]any{"nested": []any{json.Number("1"), "two"}, "flag": true}
			fixtureProps["sdk_future_setting"] = unknown
			got, err := getThroughFake(t, sc, mustJSON(t, answer))
			require.NoError(t, err)
			integ, propsV, raw := settingsParts(t, got)
			assertCommonFields(t, sc.slug, integ, answer, allFlags(true))

			// Drift check: one field per Returned parameter, by json tag.
			pt := propsV.Type()
			var tags []string
			for i := range pt.NumField() {
				sf := pt.Field(i)
				name := jsonName(sf)
				tags = append(tags, name)
				p, ok := info.Parameter(name)
				if !assert.True(t, ok, "%s.%s: %q is not a parameter", pt.Name(), sf.Name, name) {
					continue
				}
				assert.True(t, p.Returned, "%s.%s: %q is not reported by GitLab", pt.Name(), sf.Name, name)
				assert.Equal(t, p.GoName, sf.Name)
				assert.False(t, propsV.Field(i).IsZero(), "%s: %s decoded to its zero value", sc.slug, name)
				assert.JSONEq(t, mustJSON(t, fixtureProps[name]), mustJSON(t, propsV.Field(i).Interface()), "%s: %s", sc.slug, name)
			}
			assert.Equal(t, returned, tags, "%s has exactly one field per Returned parameter, in catalog order", pt.Name())

			rawMap := decodeJSONObject(t, raw)
			assert.Equal(t, unknown, rawMap["sdk_future_setting"], "unknown key kept in RawProperties")
			for _, name := range returned {
				assert.Contains(t, rawMap, name)
			}
		})
	}
	t.Logf("fixtures: %d integrations, %d reported properties", len(generatedServices), props)
}

// leniency is one way GitLab has written the same values: how it writes
// booleans (for a given truth value), integers and lists.
type leniency struct {
	name    string
	boolean any  // the JSON value standing for a boolean
	truth   bool // what it means
	spaced  bool // lists as "a, b" rather than "a,b"
}

var leniencies = []leniency{
	{name: `"true"`, boolean: "true", truth: true},
	{name: `"1"`, boolean: "1", truth: true},
	{name: `1`, boolean: json.Number("1"), truth: true, spaced: true},
	{name: `"TRUE"`, boolean: "TRUE", truth: true},
	{name: `"false"`, boolean: "false", truth: false},
	{name: `"0"`, boolean: "0", truth: false, spaced: true},
	{name: `0`, boolean: json.Number("0"), truth: false},
	{name: `false`, boolean: false, truth: false},
}

// rewrite turns a fixture into the lenient form and returns the properties
// the SDK must decode from it (as JSON encodes them).
func (l leniency) rewrite(t *testing.T, info IntegrationInfo, answer map[string]any) map[string]any {
	t.Helper()
	answer["id"] = "1001"
	for _, f := range commonFlags {
		answer[f] = l.boolean
	}
	props := answer["properties"].(map[string]any)
	want := map[string]any{}
	for _, p := range info.Parameters {
		if !p.Returned {
			continue
		}
		v := props[p.Name]
		switch p.Type {
		case TypeBoolean:
			props[p.Name] = l.boolean
			want[p.Name] = l.truth
		case TypeInteger:
			n := v.(json.Number)
			props[p.Name] = n.String()
			want[p.Name] = n
		case TypeStringList:
			var list []string
			for _, x := range v.([]any) {
				list = append(list, x.(string))
			}
			sep := ","
			if l.spaced {
				sep = " , "
			}
			props[p.Name] = strings.Join(list, sep)
			want[p.Name] = v
		default:
			want[p.Name] = v
		}
	}
	return want
}

// TestLenientDecodingEveryIntegration rewrites every fixture with booleans
// as "true", "1", 1 and the false forms, integers as numeric strings and
// lists as comma-separated strings, and checks every decoded value.
func TestLenientDecodingEveryIntegration(t *testing.T) {
	t.Parallel()
	t.Logf("lenient: %d integrations × %d spellings = %d answers", len(generatedServices), len(leniencies), len(generatedServices)*len(leniencies))
	for _, sc := range generatedServices {
		info := catalogEntry(t, sc.slug)
		t.Run(sc.slug, func(t *testing.T) {
			t.Parallel()
			for _, l := range leniencies {
				answer := fixtureMap(t, sc.slug)
				want := l.rewrite(t, info, answer)
				got, err := getThroughFake(t, sc, mustJSON(t, answer))
				require.NoError(t, err, "booleans as %s", l.name)
				integ, props, _ := settingsParts(t, got)
				assertCommonFields(t, sc.slug, integ, answer, allFlags(l.truth))
				assert.JSONEq(t, mustJSON(t, want), mustJSON(t, props.Interface()), "booleans as %s", l.name)
			}
		})
	}
}

// wrongValues are JSON values that no lenient rule accepts, by parameter type.
var wrongValues = map[ParameterType][]string{
	TypeBoolean:    {`{"x":1}`, `"maybe"`, `2`, `[true]`},
	TypeInteger:    {`{"x":1}`, `"eighty"`, `1.5`, `true`, `[1]`},
	TypeString:     {`{"x":1}`, `["a"]`},
	TypeStringList: {`{"x":1}`, `5`, `true`, `[{"a":1}]`},
}

// TestWrongTypesAreErrors puts a value of the wrong shape in each reported
// property of every integration, and in the common fields: Get must return
// an error naming the field, matching ErrInvalidResponse, never panic.
func TestWrongTypesAreErrors(t *testing.T) {
	t.Parallel()
	var answers int
	defer func() { t.Logf("wrong types: %d answers", answers) }()
	for _, sc := range generatedServices {
		info := catalogEntry(t, sc.slug)
		for _, p := range info.Parameters {
			if p.Returned {
				answers += len(wrongValues[p.Type])
			}
		}
		answers += 5
		t.Run(sc.slug, func(t *testing.T) {
			t.Parallel()
			for _, p := range info.Parameters {
				if !p.Returned {
					continue
				}
				for _, bad := range wrongValues[p.Type] {
					answer := fixtureMap(t, sc.slug)
					answer["properties"].(map[string]any)[p.Name] = json.RawMessage(bad)
					var err error
					require.NotPanics(t, func() { _, err = getThroughFake(t, sc, mustJSON(t, answer)) })
					require.Error(t, err, "%s = %s", p.Name, bad)
					assert.ErrorIs(t, err, ErrInvalidResponse, "%s = %s", p.Name, bad)
					assert.Contains(t, err.Error(), p.Name, "the error names the field")
				}
			}
			for _, field := range []string{"active", "push_events", "id", "created_at", "title"} {
				answer := fixtureMap(t, sc.slug)
				answer[field] = json.RawMessage(`{"x":1}`)
				_, err := getThroughFake(t, sc, mustJSON(t, answer))
				require.Error(t, err, "%s = object", field)
				assert.ErrorIs(t, err, ErrInvalidResponse)
			}
		})
	}
}

// TestDecodeShapesOfProperties covers the shapes of "properties" itself and
// of the answer that are not objects.
func TestDecodeShapesOfProperties(t *testing.T) {
	t.Parallel()
	sc := serviceFor(t, "jira")
	base := func() map[string]any { return fixtureMap(t, "jira") }

	t.Run("null properties decode to zero values", func(t *testing.T) {
		t.Parallel()
		answer := base()
		answer["properties"] = nil
		got, err := getThroughFake(t, sc, mustJSON(t, answer))
		require.NoError(t, err)
		s := got.(*Settings[JiraProperties])
		assert.Equal(t, JiraProperties{}, s.Properties)
		assert.True(t, s.Active)
	})
	t.Run("missing properties decode to zero values", func(t *testing.T) {
		t.Parallel()
		answer := base()
		delete(answer, "properties")
		got, err := getThroughFake(t, sc, mustJSON(t, answer))
		require.NoError(t, err)
		assert.Equal(t, JiraProperties{}, got.(*Settings[JiraProperties]).Properties)
	})
	for _, bad := range []string{`[]`, `"url=x"`, `42`} {
		t.Run("properties "+bad, func(t *testing.T) {
			t.Parallel()
			answer := base()
			answer["properties"] = json.RawMessage(bad)
			_, err := getThroughFake(t, sc, mustJSON(t, answer))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidResponse)
			assert.Contains(t, err.Error(), "properties")
		})
	}
	for _, body := range []string{`[]`, `[{"slug":"jira"}]`, `"jira"`, `{"slug":`, `<html>502</html>`, ``, `{"message":"oops"}`} {
		t.Run("answer "+body, func(t *testing.T) {
			t.Parallel()
			var err error
			require.NotPanics(t, func() { _, err = getThroughFake(t, sc, body) })
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidResponse)
		})
	}
}

// TestDecodeRealGitLabQuirks covers values GitLab really sends in a type other
// than the one the parameter is declared with.
func TestDecodeRealGitLabQuirks(t *testing.T) {
	t.Parallel()
	sc := serviceFor(t, "jira")
	answer := fixtureMap(t, "jira")
	props := answer["properties"].(map[string]any)
	// issues_enabled is declared String, but the model stores a boolean and
	// GitLab echoes it as one.
	props["issues_enabled"] = true
	// A numeric ID sent as a number where the SDK types it as a string.
	props["vulnerabilities_issuetype"] = json.Number("10001")
	props["jira_issue_transition_id"] = json.Number("31")
	// The auth type as a string, an integer enum.
	props["jira_auth_type"] = "1"
	props["project_keys"] = "PROJ, OPS,,"
	got, err := getThroughFake(t, sc, mustJSON(t, answer))
	require.NoError(t, err)
	p := got.(*Settings[JiraProperties]).Properties
	assert.Equal(t, "true", p.IssuesEnabled)
	assert.Equal(t, "10001", p.VulnerabilitiesIssuetype)
	assert.Equal(t, "31", p.JiraIssueTransitionID)
	assert.Equal(t, JiraAuthPersonalAccessToken, p.JiraAuthType)
	assert.Equal(t, []string{"PROJ", "OPS"}, p.ProjectKeys)

	// An integer written as 8080.0, and an empty string, still decode.
	irker := serviceFor(t, "irker")
	answer = fixtureMap(t, "irker")
	answer["properties"].(map[string]any)["server_port"] = json.Number("8080.0")
	got, err = getThroughFake(t, irker, mustJSON(t, answer))
	require.NoError(t, err)
	assert.Equal(t, 8080, got.(*Settings[IrkerProperties]).Properties.ServerPort)
	answer["properties"].(map[string]any)["server_port"] = ""
	got, err = getThroughFake(t, irker, mustJSON(t, answer))
	require.NoError(t, err)
	assert.Equal(t, 0, got.(*Settings[IrkerProperties]).Properties.ServerPort)

	// An empty date is left zero, not an error.
	answer = fixtureMap(t, "irker")
	answer["updated_at"] = ""
	got, err = getThroughFake(t, irker, mustJSON(t, answer))
	require.NoError(t, err)
	assert.True(t, got.(*Settings[IrkerProperties]).UpdatedAt.IsZero())

	// A date that is not one is still an error.
	answer["updated_at"] = "yesterday"
	_, err = getThroughFake(t, irker, mustJSON(t, answer))
	require.ErrorIs(t, err, ErrInvalidResponse)
	assert.Contains(t, err.Error(), "yesterday")
}

// TestDecodeIntoReusedSettings checks that decoding into a Settings that
// already holds values leaves nothing of the old ones behind.
func TestDecodeIntoReusedSettings(t *testing.T) {
	t.Parallel()
	var s Settings[SlackProperties]
	require.NoError(t, json.Unmarshal(fixtureBytes(t, "slack"), &s))
	require.NotEmpty(t, s.Properties.Channel)
	require.NoError(t, json.Unmarshal([]byte(`{"slug":"slack","active":"0","properties":{"username":"bot"}}`), &s))
	assert.Equal(t, SlackProperties{Username: "bot"}, s.Properties)
	assert.False(t, s.Active)
	assert.JSONEq(t, `{"username":"bot"}`, string(s.RawProperties))
}

// TestDecodeListLeniently checks List's entries use the same lenient rules.
func TestDecodeListLeniently(t *testing.T) {
	t.Parallel()
	fake := newFakeGitLab(t)
	fake.on(http.MethodGet, fakeBaseURL+"/api/v4/projects/42/integrations", http.StatusOK,
		`[{"id":"5","slug":"slack","title":"Slack notifications","active":"true","push_events":1,"created_at":"2026-01-02T03:04:05Z"},
		  {"id":6,"slug":"jira","title":"Jira issues","active":true,"inherited":"1","vulnerability_events":"false"}]`)
	list, err := fake.client().List(context.Background(), ProjectID(42))
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, int64(5), list[0].ID)
	assert.True(t, list[0].Active)
	assert.True(t, list[0].PushEvents)
	assert.Equal(t, 2026, list[0].CreatedAt.Year())
	assert.Equal(t, "jira", list[1].Slug)
	assert.True(t, list[1].Inherited)
	assert.False(t, list[1].VulnerabilityEvents)
	slugs := []string{list[0].Slug, list[1].Slug}
	sort.Strings(slugs)
	assert.True(t, slices.Equal([]string{"jira", "slack"}, slugs))
}

// TestLenientIntegersAreExactOrErrors: an integer out of the int64 range,
// or one that is not whole, is a decode error naming the field, on the fast
// path and the general one alike; a whole number written with a fraction
// or an exponent is read exactly, without a round trip through float64.
func TestLenientIntegersAreExactOrErrors(t *testing.T) {
	t.Parallel()
	irker := serviceFor(t, "irker")
	d := everyDecoder(t)["irker"]
	for _, tc := range []struct {
		raw  string
		want int64 // when wantErr is empty
		err  string
	}{
		{"-9223372036854775809", 0, "out of the int64 range"},
		{"9223372036854775808", 0, "out of the int64 range"},
		{"1e19", 0, "out of the int64 range"},
		{"1e999999999", 0, "out of the int64 range"},
		{`"-9223372036854775809"`, 0, "out of the int64 range"},
		{"12345678901234567.5", 0, "not a whole number"},
		{"8080.5", 0, "not a whole number"},
		{"1e-999999999", 0, "not a whole number"},
		{`"0x1p3"`, 0, "not a whole number"},
		{"12345678901234567.0", 12345678901234567, ""},
		{`"12345678901234567.0"`, 12345678901234567, ""},
		{"-9223372036854775808", -9223372036854775808, ""},
		{"9223372036854775807.000", 9223372036854775807, ""},
		{"8.08e3", 8080, ""},
		{"808000e-2", 8080, ""},
		{"0.0e99999", 0, ""},
	} {
		for _, field := range []string{"id", "server_port"} {
			answer := fixtureMap(t, "irker")
			if field == "id" {
				answer["id"] = json.RawMessage(tc.raw)
			} else {
				answer["properties"].(map[string]any)[field] = json.RawMessage(tc.raw)
			}
			data := []byte(mustJSON(t, answer))
			checkSameDecoding(t, d, data)
			got, err := getThroughFake(t, irker, string(data))
			if tc.err != "" {
				require.ErrorIs(t, err, ErrInvalidResponse, "%s in %s", tc.raw, field)
				assert.Contains(t, err.Error(), `"`+field+`"`, "%s: the error names the field", tc.raw)
				assert.Contains(t, err.Error(), tc.err, tc.raw)
				continue
			}
			require.NoError(t, err, "%s in %s", tc.raw, field)
			s := got.(*Settings[IrkerProperties])
			if field == "id" {
				assert.Equal(t, tc.want, s.ID, tc.raw)
			} else if int64(int(tc.want)) == tc.want {
				assert.Equal(t, int(tc.want), s.Properties.ServerPort, tc.raw)
			}
		}
	}
}

// TestUnmarshalJSONTakesTheFastPathSafely: json.Unmarshal on a Settings gives
// the general path's result for every fixture, keeps no byte of the caller's
// input (json.Unmarshal may reuse it).
func TestUnmarshalJSONTakesTheFastPathSafely(t *testing.T) {
	t.Parallel()
	for slug, d := range everyDecoder(t) {
		data := fixtureBytes(t, slug)
		fast, fastOK, general, generalErr := d.decodeBoth(data)
		require.NoError(t, generalErr, slug)
		require.True(t, fastOK, "%s: the fixture takes the fast path", slug)
		require.Equal(t, general, fast, slug)
	}

	data := fixtureBytes(t, "slack")
	var s Settings[SlackProperties]
	require.NoError(t, json.Unmarshal(data, &s))
	raw := string(s.RawProperties)
	for i := range data {
		data[i] = 'x'
	}
	assert.Equal(t, raw, string(s.RawProperties), "RawProperties is a copy")
	assert.Equal(t, "channel-value", s.Properties.Channel)
}
