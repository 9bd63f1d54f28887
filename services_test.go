package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fillMode says which values fillOptions puts in an options struct.
type fillMode int

const (
	// sampleValues sets every parameter to a distinct, valid, non-zero value.
	sampleValues fillMode = iota
	// zeroValues sets every optional parameter to its zero value (false, 0,
	// "" through a set pointer, an empty list), which must be sent, not
	// omitted. Required parameters keep a sample value, as Set needs them.
	zeroValues
)

func (m fillMode) String() string {
	if m == zeroValues {
		return "zero values"
	}
	return "sample values"
}

// fillOptions sets every field of the options struct o points to, by its
// json tag and the catalog's ParameterInfo, and returns the JSON body Set
// must send: every parameter under its exact name, with its JSON type.
func fillOptions(t testing.TB, info IntegrationInfo, o any, mode fillMode) map[string]any {
	t.Helper()
	rv := reflect.ValueOf(o).Elem()
	rt := rv.Type()
	want := map[string]any{}
	for i := range rt.NumField() {
		sf := rt.Field(i)
		name := jsonName(sf)
		require.NotEmpty(t, name, "%s.%s has no json name", rt.Name(), sf.Name)
		p, ok := info.Parameter(name)
		require.True(t, ok, "%s.%s (%s) is not a parameter of %s in the catalog", rt.Name(), sf.Name, name, info.Slug)
		require.Equal(t, p.GoName, sf.Name, "%s: Go name of %s", info.Slug, name)

		// The field's shape follows from the catalog: required parameters
		// are values, optional lists are slices, other optional ones pointers.
		fv := rv.Field(i)
		switch {
		case p.Required:
			require.NotEqual(t, reflect.Pointer, sf.Type.Kind(), "%s.%s is required, so not a pointer", info.Slug, name)
		case p.Type == TypeStringList:
			require.Equal(t, reflect.Slice, sf.Type.Kind(), "%s.%s", info.Slug, name)
		default:
			require.Equal(t, reflect.Pointer, sf.Type.Kind(), "%s.%s is optional, so a pointer", info.Slug, name)
		}

		zero := mode == zeroValues && !p.Required
		target := fv
		if sf.Type.Kind() == reflect.Pointer {
			fv.Set(reflect.New(sf.Type.Elem()))
			target = fv.Elem()
		}
		want[name] = setParameter(t, info, p, i, target, zero)
	}
	return want
}

// setParameter stores a value for p in dst and returns it as JSON decodes it
// into an any (numbers as float64).
func setParameter(t testing.TB, info IntegrationInfo, p ParameterInfo, index int, dst reflect.Value, zero bool) any {
	t.Helper()
	switch p.Type {
	case TypeBoolean:
		require.Equal(t, reflect.Bool, dst.Kind(), "%s.%s", info.Slug, p.Name)
		dst.SetBool(!zero)
		return !zero
	case TypeInteger:
		require.Contains(t, []reflect.Kind{reflect.Int, reflect.Int64}, dst.Kind(), "%s.%s", info.Slug, p.Name)
		n := int64(1000 + index)
		if len(p.AllowedValues) > 0 {
			v, err := strconv.ParseInt(p.AllowedValues[len(p.AllowedValues)-1], 10, 64)
			require.NoError(t, err)
			n = v
		}
		if zero {
			n = 0
			if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, "0") {
				n, _ = strconv.ParseInt(p.AllowedValues[0], 10, 64)
			}
		}
		dst.SetInt(n)
		return float64(n)
	case TypeStringList:
		require.Equal(t, reflect.Slice, dst.Kind(), "%s.%s", info.Slug, p.Name)
		list := []string{p.Name + "-one", p.Name + "-two"}
		if zero {
			list = []string{}
		}
		s := reflect.MakeSlice(dst.Type(), len(list), len(list))
		out := make([]any, len(list))
		for i, x := range list {
			s.Index(i).SetString(x)
			out[i] = x
		}
		dst.Set(s)
		return out
	case TypeString:
		require.Equal(t, reflect.String, dst.Kind(), "%s.%s", info.Slug, p.Name)
		v := sampleString(p)
		switch {
		case p.CommaList:
			v = strings.Join(p.AllowedValues[len(p.AllowedValues)-2:], ",")
			if zero {
				v = ""
			}
		case len(p.AllowedValues) > 0:
			v = p.AllowedValues[len(p.AllowedValues)-1]
			if zero {
				v = ""
				if !slices.Contains(p.AllowedValues, "") {
					v = p.AllowedValues[0]
				}
			}
		case zero:
			v = ""
		}
		v = fitPattern(p, v)
		dst.SetString(v)
		return v
	}
	t.Fatalf("%s.%s: unknown parameter type %q", info.Slug, p.Name, p.Type)
	return nil
}

// sampleString is a valid value of a free-form string parameter, naming it:
// a URL for a URL field (with its placeholder), within its length limit.
func sampleString(p ParameterInfo) string {
	v := p.Name + "-sample"
	if p.Format == FormatURL {
		v = "https://" + strings.ReplaceAll(p.Name, "_", "-") + ".example.com/sample"
		if p.Placeholder != "" {
			v += "/" + p.Placeholder
		}
	}
	return v
}

// jsonTypeOf names the JSON type of a value decoded into an any.
func jsonTypeOf(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case []any:
		for _, e := range x {
			if _, ok := e.(string); !ok {
				return "array of " + jsonTypeOf(e)
			}
		}
		return "array of strings"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// wantJSONType is the JSON type GitLab expects for each ParameterType.
var wantJSONType = map[ParameterType]string{
	TypeString:     "string",
	TypeBoolean:    "boolean",
	TypeInteger:    "number",
	TypeStringList: "array of strings",
}

// TestGeneratedServicesCoverCatalog makes sure the table below iterates over
// every integration the SDK knows, in catalog order, with a fixture each.
func TestGeneratedServicesCoverCatalog(t *testing.T) {
	t.Parallel()
	cat := Catalog()
	require.Len(t, generatedServices, len(cat))
	for i, it := range cat {
		assert.Equal(t, it.Slug, generatedServices[i].slug)
		assert.FileExists(t, "testdata/responses/"+it.Slug+".json")
	}
}

// TestServicesSetSendsEveryParameter checks, for every integration and every
// level it supports, that Set sends PUT to the escaped path with every
// parameter of the catalog under its exact name and JSON type, and nothing
// else: once with sample values, once with explicit zero values.
func TestServicesSetSendsEveryParameter(t *testing.T) {
	t.Parallel()
	var scopes, bodies, params int
	for _, sc := range generatedServices {
		info := catalogEntry(t, sc.slug)
		levels := projectScopes
		if info.Group {
			levels = append(slices.Clone(projectScopes), groupScopes...)
		}
		scopes += len(levels)
		bodies += 2 * len(levels)
		params += 2 * len(levels) * len(info.Parameters)
		t.Run(sc.slug, func(t *testing.T) {
			t.Parallel()
			fake := newFakeGitLab(t)
			c := fake.client()
			fixture := string(fixtureBytes(t, sc.slug))
			for _, level := range levels {
				url := fakeBaseURL + "/api/v4" + level.path + "/integrations/" + sc.slug
				fake.on(http.MethodPut, url, http.StatusOK, fixture)
				for _, mode := range []fillMode{sampleValues, zeroValues} {
					o := sc.newOptions()
					want := fillOptions(t, info, o, mode)
					require.Len(t, want, len(info.Parameters))

					got, err := sc.set(context.Background(), c, level.scope, o)
					require.NoError(t, err, "%s, %s, %s", sc.slug, level.name, mode)
					integ, _, _ := settingsParts(t, got)
					assert.Equal(t, sc.slug, integ.Slug)

					sent := fake.requests()
					require.Len(t, sent, 1, "%s, %s, %s: one request", sc.slug, level.name, mode)
					r := sent[0]
					assert.Equal(t, http.MethodPut, r.Method)
					assert.Equal(t, url, r.URL, "%s: escaped URL", level.name)
					assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
					assert.Equal(t, fakeToken, r.Header.Get("PRIVATE-TOKEN"))

					var body map[string]any
					require.NoError(t, json.Unmarshal(r.Body, &body), "body %s", r.Body)
					assert.Equal(t, want, body, "%s, %s, %s: body", sc.slug, level.name, mode)
					for _, p := range info.Parameters {
						v, ok := body[p.Name]
						if assert.True(t, ok, "%s.%s (%s) not sent", sc.slug, p.Name, mode) {
							assert.Equal(t, wantJSONType[p.Type], jsonTypeOf(v), "%s.%s (%s): JSON type", sc.slug, p.Name, mode)
						}
					}
				}
			}
		})
	}
	t.Logf("Set: %d integrations, %d scopes, %d bodies, %d parameters checked", len(generatedServices), scopes, bodies, params)
}

// TestServicesGetAndDelete checks the method and escaped path of Get and
// Delete for every integration at every level it supports.
func TestServicesGetAndDelete(t *testing.T) {
	t.Parallel()
	for _, sc := range generatedServices {
		info := catalogEntry(t, sc.slug)
		levels := projectScopes
		if info.Group {
			levels = append(slices.Clone(projectScopes), groupScopes...)
		}
		t.Run(sc.slug, func(t *testing.T) {
			t.Parallel()
			fake := newFakeGitLab(t)
			c := fake.client()
			fixture := string(fixtureBytes(t, sc.slug))
			for _, level := range levels {
				url := fakeBaseURL + "/api/v4" + level.path + "/integrations/" + sc.slug
				fake.on(http.MethodGet, url, http.StatusOK, fixture)
				fake.on(http.MethodDelete, url, http.StatusNoContent, "")

				got, err := sc.get(context.Background(), c, level.scope)
				require.NoError(t, err, "%s: Get", level.name)
				integ, _, _ := settingsParts(t, got)
				assert.Equal(t, sc.slug, integ.Slug)

				require.NoError(t, sc.del(context.Background(), c, level.scope), "%s: Delete", level.name)

				sent := fake.requests()
				require.Len(t, sent, 2)
				for i, method := range []string{http.MethodGet, http.MethodDelete} {
					assert.Equal(t, method, sent[i].Method)
					assert.Equal(t, url, sent[i].URL, "%s %s: escaped URL", method, level.name)
					assert.Empty(t, sent[i].Body, "%s sends no body", method)
					assert.Equal(t, fakeToken, sent[i].Header.Get("PRIVATE-TOKEN"))
				}
			}
		})
	}
}

// TestServicesProjectOnlyRefuseGroups checks that an integration GitLab
// offers for projects only refuses a group, for Set, Get and Delete alike,
// with a validation error and without sending anything.
func TestServicesProjectOnlyRefuseGroups(t *testing.T) {
	t.Parallel()
	var projectOnly []string
	for _, sc := range generatedServices {
		info := catalogEntry(t, sc.slug)
		if info.Group {
			continue
		}
		projectOnly = append(projectOnly, sc.slug)
		t.Run(sc.slug, func(t *testing.T) {
			t.Parallel()
			fake := newFakeGitLab(t)
			c := fake.client()
			for _, level := range groupScopes {
				o := sc.newOptions()
				fillOptions(t, info, o, sampleValues)
				_, err := sc.set(context.Background(), c, level.scope, o)
				requireProjectOnly(t, info, err)
				_, err = sc.get(context.Background(), c, level.scope)
				requireProjectOnly(t, info, err)
				requireProjectOnly(t, info, sc.del(context.Background(), c, level.scope))
			}
			assert.Empty(t, fake.requests(), "nothing may be sent")
		})
	}
	// The 8 of the catalog: the 5 current project-only integrations and the
	// 3 removed ones that never had a group level.
	assert.ElementsMatch(t, []string{
		"apple-app-store", "github", "google-cloud-platform-artifact-registry", "google-play", "jenkins",
		"flowdock", "jenkins-deprecated", "prometheus",
	}, projectOnly)
}

func requireProjectOnly(t *testing.T, info IntegrationInfo, err error) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrValidation)
	var ve *ValidationError
	require.True(t, errors.As(err, &ve), "want *ValidationError, got %T", err)
	assert.Equal(t, info.Slug, ve.Integration)
	require.Len(t, ve.Problems, 1, "%v", ve.Problems)
	assert.Contains(t, ve.Problems[0], "projects only")
	var apiErr *Error
	assert.False(t, errors.As(err, &apiErr), "no request, so no *Error")
}

// fitPattern returns v, or a value like it that matches p.Pattern (a
// sample for Datadog's api_key, a site, Telegram's thread).
func fitPattern(p ParameterInfo, v string) string {
	if p.Pattern == "" || strings.TrimSpace(v) == "" { // blank: the pattern does not apply
		return v
	}
	re := regexp.MustCompile(p.Pattern)
	word := strings.NewReplacer("-", "_", " ", "_", "/", "_", ":", "_", ".", "_").Replace(v)
	for _, c := range []string{v, word, word + ".example.com", strconv.Itoa(int(crc32.ChecksumIEEE([]byte(v))))} {
		if re.MatchString(c) {
			return c
		}
	}
	panic("no sample matches " + p.Pattern)
}
