package integrationstest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// writeJSON must write every value the server stores exactly as
// encoding/json does.
func TestWriteJSONAgreesWithEncodingJSON(t *testing.T) {
	values := []any{
		"", "plain", `quote " and backslash \`, "<script>&amp;</script>", "tab\there\nnew\rline\b\f",
		"\x00\x01\x1f\x7f", "é ü 日本 🙂", "line\u2028sep\u2029para", "bad \xff utf-8 \xc3", "\xed\xa0\x80",
		true, false, int64(0), int64(-42), int64(1) << 62,
		[]string{}, []string{"a", "<b>", ""}, []string(nil),
		3.5, map[string]any{"k": "v"}, nil,
	}
	for _, v := range values {
		var buf bytes.Buffer
		writeJSON(&buf, v)
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if buf.String() != string(want) {
			t.Errorf("writeJSON(%#v) = %s, encoding/json gives %s", v, buf.String(), want)
		}
	}
}

func FuzzWriteJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "<&>", "\u2028", "\xff", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		writeJSONString(&buf, s)
		want, _ := json.Marshal(s)
		if buf.String() != string(want) {
			t.Errorf("writeJSONString(%q) = %s, encoding/json gives %s", s, buf.String(), want)
		}
	})
}

// TestLogOffCopiesNothing: with the request log off, a request costs no
// copy of its header, query and body for the log.
func TestLogOffCopiesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	cost := func(opts ...Option) float64 {
		s := NewServer(append([]Option{WithToken("glpat-test-0000000000")}, opts...)...)
		defer s.Close()
		s.AddProject("acme/web")
		req := httptest.NewRequest(http.MethodGet, "/api/v4/projects/acme%2Fweb/integrations?x=1", nil)
		req.Header.Set("Private-Token", "glpat-test-0000000000")
		req.Header.Set("User-Agent", strings.Repeat("u", 40))
		return testing.AllocsPerRun(50, func() { s.ServeHTTP(httptest.NewRecorder(), req) })
	}
	on, off := cost(), cost(WithRequestLogLimit(0))
	if off > on-3 {
		t.Errorf("a request costs %.0f allocations with the log off, %.0f with it on: the log's copy is still made", off, on)
	}
}
