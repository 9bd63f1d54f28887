package integrations

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations/internal/fastjson"
)

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

// TestEncodeFastCoversEveryOptions makes sure every integration's options
// struct takes the fast path (a new field type would silently lose it), and
// that it writes json.Marshal's bytes for every options struct unset, with
// sample values, and with zero values through set pointers.
func TestEncodeFastCoversEveryOptions(t *testing.T) {
	require.Len(t, generatedServices, len(Catalog()))
	for _, sc := range generatedServices {
		t.Run(sc.slug, func(t *testing.T) {
			info := catalogEntry(t, sc.slug)
			o := sc.newOptions()
			require.True(t, fastjson.CanEncode(reflect.TypeOf(o).Elem()), "%T has no fast encoding plan", o)
			requireEncodesAsJSON(t, o)
			for _, mode := range []fillMode{sampleValues, zeroValues} {
				o := sc.newOptions()
				fillOptions(t, info, o, mode)
				requireEncodesAsJSON(t, o)
			}
		})
	}
}
