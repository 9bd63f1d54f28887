package fastjson

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations/internal/lenient"
)

// The decoder's promise, on types of this package's own: whatever it
// decodes, lenient.Decode (encoding/json, with the lenient rules where
// encoding/json reports a mismatch) decodes to the same value; whatever it
// refuses, it leaves zero. The root package holds it to the same promise on
// every integration's answers (fastanswers_test.go).

type label string

// shapes has a field of every kind a Plan handles.
type shapes struct {
	B  bool      `json:"b"`
	S  string    `json:"s,omitempty"`
	I  int       `json:"i"`
	I8 int8      `json:"i8"`
	L  []string  `json:"l"`
	LL []label   `json:"ll"`
	N  label     `json:"n"`
	T  time.Time `json:"t"`
	shapesEmbedded
}

type shapesEmbedded struct {
	E string `json:"e"`
}

// outer is an answer with a nested object decoded where it stands.
type outer struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// decodeShapes decodes data into a shapes both ways and checks the promise;
// it reports whether the fast path took data.
func decodeShapes(t testing.TB, data []byte) bool {
	t.Helper()
	var fast shapes
	d := NewDecoder(data)
	_, ok := d.Object(PlanFor(reflect.TypeFor[shapes]()), reflect.ValueOf(&fast).Elem(), nil)
	ok = ok && d.End()
	if !ok {
		// Object leaves what it decoded so far; the caller zeroes it. The
		// promise is about a value taken, so only check what was taken.
		return false
	}
	var general shapes
	require.NoError(t, lenient.Decode(data, &general), "the fast path took what the general path refuses: %s", data)
	assert.Equal(t, general, fast, "decoding %s", data)
	return true
}

func TestDecoderAgreesWithTheGeneralPath(t *testing.T) {
	require.NotNil(t, PlanFor(reflect.TypeFor[shapes]()))
	for _, tc := range []struct {
		data string
		fast bool
	}{
		{`{}`, true},
		{` { "b" : true , "s" : "x" } `, true},
		{`{"b":true,"s":"plain","i":-12,"i8":127,"l":["a","b"],"ll":["x"],"n":"lab","t":"2024-03-11T09:12:44.310Z","e":"emb"}`, true},
		{`{"b":"true","i":"42","l":"a, b,,c","s":7,"n":true}`, true}, // the lenient rules, field by field
		{`{"b":1,"i":8080.0,"i8":"12"}`, true},
		{`{"b":null,"s":null,"l":null,"t":null}`, true},
		{`{"s":"caf\u00e9 \"q\"","l":["\n"]}`, true}, // escapes, decoded by encoding/json
		{`{"unknown":{"deep":[1,{"x":null}]},"b":true}`, true},
		{`{"l":[]}`, true},
		{`{"i8":300}`, false},           // overflows: the general path's error
		{`{"B":true}`, false},           // another case: encoding/json matches it
		{`{"b":true,"b":false}`, false}, // a duplicate key
		{`{"\u0062":true}`, false},      // an escaped key
		{`{"l":["a",null]}`, false},     // null in a list: the rules differ
		{`{"t":"yesterday"}`, false},
		{`{"b":true`, false},
		{`{"b":true}x`, false},
		{`[]`, false},
		{`{"s":"` + "\xff" + `"}`, true}, // invalid UTF-8, as encoding/json replaces it
	} {
		assert.Equal(t, tc.fast, decodeShapes(t, []byte(tc.data)), "fast path on %s", tc.data)
	}
}

func TestDecoderReturnsTheNestedObject(t *testing.T) {
	data := []byte(`{"id":7,"properties":{"b":"1","l":["x"]} ,"title":"T"}`)
	var top outer
	var props shapes
	d := NewDecoder(data)
	nested := Nested{Key: "properties", Plan: PlanFor(reflect.TypeFor[shapes]()), Value: reflect.ValueOf(&props).Elem()}
	raw, ok := d.Object(PlanFor(reflect.TypeFor[outer]()), reflect.ValueOf(&top).Elem(), &nested)
	require.True(t, ok && d.End())
	assert.Equal(t, `{"b":"1","l":["x"]}`, string(raw))
	assert.Equal(t, outer{ID: 7, Title: "T"}, top)
	assert.Equal(t, shapes{B: true, L: []string{"x"}}, props)

	d = NewDecoder([]byte(`{"properties":{},"properties":{}}`))
	_, ok = d.Object(PlanFor(reflect.TypeFor[outer]()), reflect.ValueOf(&outer{}).Elem(), &nested)
	assert.False(t, ok, "a second properties key is the general path's to decide")
}

func TestDecodeListAgrees(t *testing.T) {
	plan := PlanFor(reflect.TypeFor[outer]())
	for _, tc := range []struct {
		data string
		fast bool
	}{
		{`[]`, true},
		{` [ {"id":1,"title":"a"} , {"id":"2","title":3} ] `, true},
		{`[{"id":1},null]`, false},
		{`[{"id":1}`, false},
		{`[{"id":1},]`, false},
		{`[[]]`, false},
		{`{"id":1}`, false},
		{`[{"id":1,"ID":2}]`, false},
	} {
		got, ok := DecodeList[outer]([]byte(tc.data), plan)
		require.Equal(t, tc.fast, ok, tc.data)
		if !ok {
			assert.Nil(t, got, tc.data)
			continue
		}
		var raw []json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(tc.data), &raw))
		want := make([]outer, len(raw))
		for i := range raw {
			require.NoError(t, lenient.Decode(raw[i], &want[i]))
		}
		assert.Equal(t, want, got, tc.data)
	}
	_, ok := DecodeList[outer]([]byte(`[]`), nil)
	assert.False(t, ok, "no plan, no fast path")
}

func TestPlanForRefusesWhatItDoesNotKnow(t *testing.T) {
	type withString struct {
		N int `json:"n,string"`
	}
	type withMap struct {
		M map[string]string `json:"m"`
	}
	type withUpper struct {
		A string `json:"A"`
	}
	for _, v := range []any{withString{}, withMap{}, withUpper{}, time.Time{}, json.RawMessage{}, 0} {
		assert.Nil(t, PlanFor(reflect.TypeOf(v)), "%T", v)
	}
}

// FuzzDecodeObject checks the decoder against the general path on any
// input; its seeds run with every go test.
func FuzzDecodeObject(f *testing.F) {
	f.Add([]byte(`{"b":"true","i":"42","l":"a, b","s":7,"t":"2024-03-11T09:12:44Z"}`))
	f.Add([]byte(`{"B":true,"x":[{"y":null}],"ll":["q"]}`))
	f.Fuzz(func(t *testing.T, data []byte) { decodeShapes(t, data) })
}
