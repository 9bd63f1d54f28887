package lenient

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The package's promise on a type of its own; the root package holds it to
// the same on every integration's answers (decode_test.go there).

type embedded struct {
	E string `json:"e"`
}

type answer struct {
	B  bool      `json:"b"`
	S  string    `json:"s"`
	I  int64     `json:"i"`
	I8 int8      `json:"i8"`
	L  []string  `json:"l"`
	T  time.Time `json:"t"`
	embedded
}

func TestDecodeIsEncodingJSONWithoutAMismatch(t *testing.T) {
	for _, data := range []string{
		`{}`,
		`{"b":true,"s":"x","i":-3,"l":["a"],"t":"2024-03-11T09:12:44.310Z","e":"emb","unknown":1}`,
		`{"B":true,"S":"case-insensitive, as encoding/json"}`,
	} {
		var want, got answer
		require.NoError(t, json.Unmarshal([]byte(data), &want))
		require.NoError(t, Decode([]byte(data), &got))
		assert.Equal(t, want, got, data)
	}
	var got answer
	assert.Error(t, Decode([]byte(`{"b":tru}`), &got), "invalid JSON is encoding/json's error")
}

func TestDecodeAcceptsGitLabsShapes(t *testing.T) {
	var got answer
	require.NoError(t, Decode([]byte(`{"b":"1","s":8080,"i":"8.08e3","i8":" 12 ","l":"a, b,,c","t":"","e":"x"}`), &got))
	assert.Equal(t, answer{B: true, S: "8080", I: 8080, I8: 12, L: []string{"a", "b", "c"}, embedded: embedded{E: "x"}}, got)

	for data, want := range map[string]string{
		`{"b":"maybe"}`:             `field "b": want a boolean, got the string "maybe"`,
		`{"i8":300}`:                `field "i8": 300 overflows int8`,
		`{"i":12345678901234567.5}`: `field "i": want an integer, got 12345678901234567.5: not a whole number`,
		`{"i":"1e19"}`:              `field "i": want an integer, got the string "1e19": out of the int64 range`,
		`{"l":{"a":1}}`:             `field "l": want a list, got an object {"a":1}`,
		`{"s":["a"]}`:               `field "s": want a string, got an array ["a"]`,
	} {
		var got answer
		err := Decode([]byte(data), &got)
		if assert.Error(t, err, data) {
			assert.Equal(t, want, err.Error(), data)
		}
	}
}

func TestFieldsFindsEmbeddedFieldsAsEncodingJSON(t *testing.T) {
	var names []string
	for _, f := range Fields(reflect.TypeFor[answer]()) {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"b", "s", "i", "i8", "l", "t", "e"}, names)
	assert.Equal(t, []int{6, 0}, Fields(reflect.TypeFor[answer]())[6].Index)
}
