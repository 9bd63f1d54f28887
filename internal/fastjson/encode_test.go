package fastjson_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/internal/fastjson"
)

// encodeJSON encodes v as the root package's encodeJSON does: through
// Append when it takes v, else through encoding/json.
func encodeJSON(dst []byte, v any) ([]byte, error) {
	if out, ok := fastjson.Append(dst, v); ok {
		return out, nil
	}
	b, err := json.Marshal(v)
	return append(dst, b...), err
}

// requireEncodesAsJSON checks that encodeJSON, through its fast path when v
// has a plan, writes exactly the bytes json.Marshal writes.
func requireEncodesAsJSON(t testing.TB, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := encodeJSON(nil, v)
	if wantErr != nil {
		require.Error(t, err)
		return
	}
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

// encodeShapes has a field of every kind the plan handles, with and without
// omitempty, and fields the plan skips as encoding/json does.
type encodeShapes struct {
	S       string    `json:"s"`
	SO      string    `json:"so,omitempty"`
	PS      *string   `json:"ps"`
	PSO     *string   `json:"pso,omitempty"`
	B       bool      `json:"b"`
	BO      bool      `json:"bo,omitempty"`
	PB      *bool     `json:"pb,omitempty"`
	I       int       `json:"i"`
	I8      int8      `json:"i8,omitempty"`
	PI      *int64    `json:"pi"`
	L       []string  `json:"l"`
	LO      []string  `json:"lo,omitempty"`
	PL      *[]string `json:"pl,omitempty"`
	LZ      []string  `json:"lz,omitzero"`
	SZ      string    `json:"sz,omitzero"`
	PZ      *bool     `json:"pz,omitempty,omitzero"`
	E       integrations.BranchFilter
	hidden  string // encoding/json skips unexported fields
	Skipped string `json:"-"`
}

func TestEncodeFastShapes(t *testing.T) {
	s := func(v string) *string { return &v }
	b := func(v bool) *bool { return &v }
	n := func(v int64) *int64 { return &v }
	require.True(t, fastjson.CanEncode(reflect.TypeFor[encodeShapes]()))
	for _, v := range []encodeShapes{
		{},
		{S: "a", SO: "b", PS: s(""), PSO: s(""), B: true, BO: true, PB: b(false), I: -7, I8: 3, PI: n(0), L: []string{}, LO: []string{}, PL: &[]string{}, E: "all", LZ: []string{}, SZ: "z", PZ: b(false)},
		{L: []string{"x", `y"<>&`, "\u2028\x00\xff"}, LO: []string{""}, PL: &[]string{"z"}, PI: n(-1 << 63), hidden: "h", Skipped: "k"},
	} {
		requireEncodesAsJSON(t, &v)
	}
}

// TestEncodeFastRefusesWhatItDoesNotKnow leaves to encoding/json the types
// whose encoding a plan would not get right.
func TestEncodeFastRefusesWhatItDoesNotKnow(t *testing.T) {
	type embedded struct{ A string }
	type withEmbedded struct {
		embedded
		B string
	}
	type withStringOption struct {
		N int `json:"n,string"`
	}
	type withRaw struct {
		R json.RawMessage `json:"r"`
	}
	// Two fields of one JSON name (built by reflect: vet rejects the tag).
	withDuplicate := reflect.New(reflect.StructOf([]reflect.StructField{
		{Name: "A", Type: reflect.TypeFor[string](), Tag: `json:"a"`},
		{Name: "B", Type: reflect.TypeFor[string](), Tag: `json:"a"`},
	})).Elem().Interface()
	type withScope struct{ S integrations.Scope }
	type withIsZero struct {
		S integrations.Scope `json:"s,omitzero"`
	}
	type withEscapedName struct {
		A string `json:"a<b"`
	}
	for _, v := range []any{withEmbedded{}, withStringOption{}, withRaw{}, withDuplicate, withScope{}, withIsZero{}, withEscapedName{}, integrations.Values{}} {
		require.False(t, fastjson.CanEncode(reflect.TypeOf(v)), "%T", v)
		// Through encodeJSON, they still encode as json.Marshal does.
		requireEncodesAsJSON(t, &v)
	}
	_, ok := fastjson.Append(nil, (*integrations.SlackOptions)(nil))
	require.False(t, ok, "a nil pointer is encoding/json's to write")
}

// FuzzEncodeFastStrings writes arbitrary text through the fast path's
// quoting and compares it with encoding/json's, byte for byte.
func FuzzEncodeFastStrings(f *testing.F) {
	for _, s := range []string{"", "plain", `q"b\`, "<script>&</script>", "\u2028\u2029", "\xff\xfe", "\x00\x1f\x7f", "é😀", "\b\f\n\r\t"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		requireEncodesAsJSON(t, &integrations.SlackOptions{Webhook: a, Channel: &b, LabelsToBeNotified: &a})
		requireEncodesAsJSON(t, &encodeShapes{S: a, L: []string{a, b}, PS: &b})
	})
}
