package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fast path of answer decoding (decodefast.go) must give exactly what
// the general path (json.Unmarshal into *Settings[P], which decodeAnswer
// used for every answer before) gives, or step aside. These tests decode
// every integration's fixture, and many variants of it, both ways.

// decodeBoth decodes data with the fast path and with the general one.
func (s *Service[O, P]) decodeBoth(data []byte) (fast any, fastOK bool, general any, generalErr error) {
	f, g := new(Settings[P]), new(Settings[P])
	fastOK = f.decodeFast(data)
	generalErr = json.Unmarshal(data, &generalOnly[P]{g})
	return f, fastOK, g, generalErr
}

// generalOnly decodes a Settings as json.Unmarshal does, without the fast
// path Settings.UnmarshalJSON tries first: the reference the fast path is
// held to.
type generalOnly[P any] struct{ s *Settings[P] }

func (g *generalOnly[P]) UnmarshalJSON(data []byte) error { return g.s.decodeGeneral(data) }

// zeroSettings reports whether the fast path left its target zero.
func (s *Service[O, P]) zeroSettings(v any) bool {
	return reflect.ValueOf(v).Elem().IsZero()
}

type bothDecoder interface {
	decodeBoth(data []byte) (fast any, fastOK bool, general any, generalErr error)
	zeroSettings(v any) bool
	Info() IntegrationInfo
}

// everyDecoder returns every integration's service, by slug, reached
// through the Client's fields (the removed ones cannot be named here).
func everyDecoder(t testing.TB) map[string]bothDecoder {
	t.Helper()
	c, err := NewClient("token")
	require.NoError(t, err)
	out := map[string]bothDecoder{}
	rv := reflect.ValueOf(c).Elem()
	for i := range rv.NumField() {
		if !rv.Type().Field(i).IsExported() {
			continue
		}
		if d, ok := rv.Field(i).Interface().(bothDecoder); ok {
			out[d.Info().Slug] = d
		}
	}
	require.Len(t, out, len(Catalog()), "a service per integration")
	return out
}

// checkSameDecoding asserts the fast path's promise on data: when it
// decodes, the general path decodes the same without error; when it does
// not, it leaves its target zero.
func checkSameDecoding(t testing.TB, d bothDecoder, data []byte) (fastOK bool) {
	t.Helper()
	fast, ok, general, err := d.decodeBoth(data)
	if !ok {
		assert.True(t, d.zeroSettings(fast), "the fast path gave up but left a value behind")
		return false
	}
	if assert.NoError(t, err, "the fast path decoded what the general path rejects: %s", data) {
		assert.Equal(t, general, fast, "decoding %s", data)
	}
	return true
}

// variant is one rewriting of a fixture.
type variant struct {
	name string
	// fast says the fast path must take it (not only agree when it does).
	fast bool
	edit func(t testing.TB, answer map[string]any, props map[string]any, info IntegrationInfo) []byte
}

func marshalAnswer(t testing.TB, answer map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(answer)
	require.NoError(t, err)
	return b
}

// eachProperty rewrites every property of the given JSON kind with f.
func eachProperty(props map[string]any, f func(v any) (any, bool)) {
	for k, v := range props {
		if nv, ok := f(v); ok {
			props[k] = nv
		}
	}
}

var fastVariants = []variant{
	{"compact", true, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte { return marshalAnswer(t, a) }},
	{"booleans as strings", true, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		eachProperty(p, func(v any) (any, bool) {
			b, ok := v.(bool)
			return fmt.Sprint(b), ok
		})
		a["active"] = "true"
		return marshalAnswer(t, a)
	}},
	{"booleans as numbers", true, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		eachProperty(p, func(v any) (any, bool) {
			b, ok := v.(bool)
			if b {
				return 1, ok
			}
			return 0, ok
		})
		a["job_events"] = 0
		return marshalAnswer(t, a)
	}},
	{"numbers as strings and floats", true, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		eachProperty(p, func(v any) (any, bool) {
			n, ok := v.(json.Number)
			return string(n), ok
		})
		a["id"] = json.Number("1001.0")
		return marshalAnswer(t, a)
	}},
	{"strings as numbers", true, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		eachProperty(p, func(v any) (any, bool) {
			_, ok := v.(string)
			return json.Number("42"), ok
		})
		return marshalAnswer(t, a)
	}},
	{"every value null", true, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		eachProperty(p, func(any) (any, bool) { return nil, true })
		for k := range a {
			if k != "properties" && k != "slug" {
				a[k] = nil
			}
		}
		return marshalAnswer(t, a)
	}},
	{"no properties", true, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		delete(a, "properties")
		return marshalAnswer(t, a)
	}},
	{"unknown keys of every kind", true, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		nested := map[string]any{"a": []any{1, "x", true, nil, map[string]any{"b": []any{}}}, "c": -1.5e-3}
		a["zz_unknown"], p["zz_unknown"] = nested, []any{nested, "s"}
		return marshalAnswer(t, a)
	}},
	{"escaped and non-ASCII strings", true, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		eachProperty(p, func(v any) (any, bool) {
			s, ok := v.(string)
			return s + "\n\"é\u2028\\/<>&", ok
		})
		a["title"] = "Ünïcode \t title"
		return marshalAnswer(t, a)
	}},
	{"lists as comma strings", true, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		eachProperty(p, func(v any) (any, bool) {
			_, ok := v.([]any)
			return "A, B,,C", ok
		})
		return marshalAnswer(t, a)
	}},
	{"empty lists", true, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		eachProperty(p, func(v any) (any, bool) {
			_, ok := v.([]any)
			return []any{}, ok
		})
		return marshalAnswer(t, a)
	}},
}

// edgeVariants may or may not take the fast path; either way the results
// must agree.
var edgeVariants = []variant{
	{"key in upper case", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		a["ACTIVE"] = false
		return marshalAnswer(t, a)
	}},
	{"property key in mixed case", false, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		for k, v := range p {
			delete(p, k)
			p[strings.ToUpper(k[:1])+k[1:]] = v
			break
		}
		return marshalAnswer(t, a)
	}},
	{"Properties in other case", false, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		delete(a, "properties")
		a["Properties"] = p
		return marshalAnswer(t, a)
	}},
	{"duplicate key", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		b := marshalAnswer(t, a)
		return append(b[:len(b)-1], `,"active":false,"id":"7"}`...)
	}},
	{"duplicate properties", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		b := marshalAnswer(t, a)
		return append(b[:len(b)-1], `,"properties":{}}`...)
	}},
	{"escaped key", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		b := marshalAnswer(t, a)
		return []byte(strings.Replace(string(b), `"active"`, `"\u0061ctive"`, 1))
	}},
	{"properties null", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		a["properties"] = nil
		return marshalAnswer(t, a)
	}},
	{"properties an array", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		a["properties"] = []any{}
		return marshalAnswer(t, a)
	}},
	{"properties a string", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		a["properties"] = "x"
		return marshalAnswer(t, a)
	}},
	{"empty date", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		a["created_at"] = ""
		return marshalAnswer(t, a)
	}},
	{"bad date", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		a["updated_at"] = "yesterday"
		return marshalAnswer(t, a)
	}},
	{"date a number", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		a["updated_at"] = 5
		return marshalAnswer(t, a)
	}},
	{"flag an object", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		a["active"] = map[string]any{}
		return marshalAnswer(t, a)
	}},
	{"flag an unknown word", false, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		eachProperty(p, func(v any) (any, bool) {
			_, ok := v.(bool)
			return "maybe", ok
		})
		return marshalAnswer(t, a)
	}},
	{"id too large", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		a["id"] = json.Number("99999999999999999999")
		return marshalAnswer(t, a)
	}},
	{"id with exponent", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		a["id"] = json.Number("1e3")
		return marshalAnswer(t, a)
	}},
	{"list with null and numbers", false, func(t testing.TB, a, p map[string]any, _ IntegrationInfo) []byte {
		eachProperty(p, func(v any) (any, bool) {
			_, ok := v.([]any)
			return []any{"A", nil, 3}, ok
		})
		return marshalAnswer(t, a)
	}},
	{"invalid UTF-8", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		b := marshalAnswer(t, a)
		return []byte(strings.Replace(string(b), `"title":"`, "\"title\":\"\xff\xfe", 1))
	}},
	{"trailing garbage", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		return append(marshalAnswer(t, a), " x"...)
	}},
	{"truncated", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		b := marshalAnswer(t, a)
		return b[:len(b)*2/3]
	}},
	{"control character in a string", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		b := marshalAnswer(t, a)
		return []byte(strings.Replace(string(b), `"title":"`, "\"title\":\"\x01", 1))
	}},
	{"bad number", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		b := marshalAnswer(t, a)
		return []byte(strings.Replace(string(b), `"id":1001`, `"id":01001`, 1))
	}},
	{"deeply nested unknown value", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		b := marshalAnswer(t, a)
		deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
		return append(b[:len(b)-1], `,"zz":`+deep+`}`...)
	}},
	{"an array, not an object", false, func(t testing.TB, a, _ map[string]any, _ IntegrationInfo) []byte {
		return []byte("[" + string(marshalAnswer(t, a)) + "]")
	}},
}

func TestDecodeFastAgreesOnEveryIntegration(t *testing.T) {
	decoders := everyDecoder(t)
	for _, info := range Catalog() {
		d := decoders[info.Slug]
		t.Run(info.Slug, func(t *testing.T) {
			fixture := fixtureBytes(t, info.Slug)
			assert.True(t, checkSameDecoding(t, d, fixture), "the fast path must take the fixture as generated")
			for _, v := range append(append([]variant(nil), fastVariants...), edgeVariants...) {
				answer := fixtureMap(t, info.Slug)
				props, _ := answer["properties"].(map[string]any)
				if props == nil {
					props = map[string]any{}
				}
				data := v.edit(t, answer, props, info)
				took := checkSameDecoding(t, d, data)
				if v.fast {
					assert.True(t, took, "%s: the fast path should decode %s", v.name, data)
				}
			}
		})
	}
}

// TestDecodeFastIsUsed checks that decodeAnswer takes the fast path for a
// Settings and the general one otherwise, with the same results.
func TestDecodeFastIsUsed(t *testing.T) {
	data := fixtureBytes(t, "jira")
	var fast Settings[JiraProperties]
	require.NoError(t, decodeAnswer(data, "application/json", &fast))
	var general Settings[JiraProperties]
	require.NoError(t, json.Unmarshal(data, &general))
	assert.Equal(t, general, fast)
	assert.Equal(t, "jira", fast.Slug)
	assert.NotEmpty(t, fast.Properties.URL)
	assert.JSONEq(t, string(general.RawProperties), string(fast.RawProperties))

	// An answer the fast path leaves to the general one still gets the
	// general path's error, word for word.
	bad := []byte(`{"slug":"jira","created_at":"yesterday"}`)
	var viaAnswer Settings[JiraProperties]
	err := decodeAnswer(bad, "application/json", &viaAnswer)
	require.Error(t, err)
	var direct Settings[JiraProperties]
	directErr := json.Unmarshal(bad, &direct)
	require.Error(t, directErr)
	assert.Equal(t, fmt.Sprintf("%v: %v", ErrInvalidResponse, directErr), err.Error())
	assert.ErrorIs(t, err, ErrInvalidResponse)
}

// FuzzDecodeFast checks the fast path against the general one on any
// input: whatever the fast path decodes, the general path decodes the same.
func FuzzDecodeFast(f *testing.F) {
	decoders := everyDecoder(f)
	for _, slug := range []string{"slack", "jira", "irker", "pushover"} {
		fixture := fixtureBytes(f, slug)
		f.Add(slug, fixture)
		for _, v := range append(append([]variant(nil), fastVariants...), edgeVariants...) {
			answer := fixtureMap(f, slug)
			props, _ := answer["properties"].(map[string]any)
			if props == nil {
				props = map[string]any{}
			}
			f.Add(slug, v.edit(f, answer, props, catalogEntry(f, slug)))
		}
	}
	f.Fuzz(func(t *testing.T, slug string, data []byte) {
		d, ok := decoders[slug]
		if !ok {
			d = decoders["slack"]
		}
		checkSameDecoding(t, d, data)
	})
}

// checkSameListDecoding decodes data as List's answer both ways and
// requires the same list whenever the fast path takes it.
func checkSameListDecoding(t testing.TB, data []byte) (fastOK bool) {
	t.Helper()
	var fast integrationList
	fastOK = fast.decodeFast(data)
	var general []*Integration
	generalErr := json.Unmarshal(data, &general)
	if !fastOK {
		assert.Nil(t, fast, "a list the fast path refuses is left nil")
		return false
	}
	require.NoError(t, generalErr, "the fast path decoded what the general path refuses: %s", data)
	require.Equal(t, len(general), len(fast))
	for i := range general {
		require.NotNil(t, fast[i])
		assert.Equal(t, general[i], fast[i], "element %d of %s", i, data)
	}
	return true
}

// TestDecodeListFastAgrees checks List's one-pass decoding against
// json.Unmarshal into []*Integration: a list of every integration's
// fixture, as generated and with each variant, and lists it must refuse.
func TestDecodeListFastAgrees(t *testing.T) {
	var all []json.RawMessage
	for _, info := range Catalog() {
		all = append(all, fixtureBytes(t, info.Slug))
	}
	list, err := json.Marshal(all)
	require.NoError(t, err)
	assert.True(t, checkSameListDecoding(t, list), "the fast path must take the fixtures' list")
	for _, v := range append(append([]variant(nil), fastVariants...), edgeVariants...) {
		// Joined by hand: some variants are not valid JSON on purpose.
		var edited [][]byte
		for _, info := range Catalog() {
			answer := fixtureMap(t, info.Slug)
			props, _ := answer["properties"].(map[string]any)
			if props == nil {
				props = map[string]any{}
			}
			edited = append(edited, v.edit(t, answer, props, info))
		}
		data := append(append([]byte("["), bytes.Join(edited, []byte(","))...), ']')
		took := checkSameListDecoding(t, data)
		if v.fast {
			assert.True(t, took, "%s: the fast path should decode the list", v.name)
		}
	}
	for _, tc := range []struct {
		data string
		fast bool
	}{
		{`[]`, true},
		{` [ {"id":1,"slug":"slack"} , {"id":2,"slug":"jira","active":"1"} ] `, true},
		{`[{"id":1},null]`, false},
		{`[null]`, false},
		{`[{"id":1}`, false},
		{`[{"id":1}]x`, false},
		{`[{"id":1},]`, false},
		{`[[]]`, false},
		{`{"id":1}`, false},
		{`[{"id":1,"ID":2}]`, false},
		{`[{"id":1,"id":2}]`, false},
		{`[{"created_at":"yesterday"}]`, false},
	} {
		assert.Equal(t, tc.fast, checkSameListDecoding(t, []byte(tc.data)), tc.data)
	}

	// List takes the fast path and hands out the same values.
	gl := newFakeGitLab(t)
	gl.on(http.MethodGet, fakeBaseURL+"/api/v4/projects/acme%2Fweb/integrations", http.StatusOK, string(list))
	got, err := gl.client().List(context.Background(), Project("acme/web"))
	require.NoError(t, err)
	var want []*Integration
	require.NoError(t, json.Unmarshal(list, &want))
	assert.Equal(t, want, got)
}

// FuzzDecodeListFast checks List's fast path against the general one on
// any input.
func FuzzDecodeListFast(f *testing.F) {
	f.Add([]byte(`[{"id":1,"slug":"slack","active":true,"created_at":"2024-03-11T09:12:44.310Z"}]`))
	f.Add([]byte(`[{"id":"1","title":"x\u00e9","push_events":1},{"slug":null}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) { checkSameListDecoding(t, data) })
}
