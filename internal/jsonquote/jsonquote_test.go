package jsonquote

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func requireSame(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := Append([]byte("prefix:"), s); string(got) != "prefix:"+string(want) {
		t.Fatalf("Append(%q) = %s, encoding/json writes %s", s, got[len("prefix:"):], want)
	}
}

// TestAppendAgreesWithEncodingJSON: every byte alone and inside text, every
// rune that encoding/json treats apart, and broken UTF-8.
func TestAppendAgreesWithEncodingJSON(t *testing.T) {
	for b := range 256 {
		requireSame(t, string([]byte{byte(b)}))
		requireSame(t, "a"+string([]byte{byte(b)})+"z")
	}
	for _, r := range []rune{0x7f, 0x80, 0x2027, 0x2028, 0x2029, 0x202a, 0xfeff, 0xfffd, utf8.MaxRune} {
		requireSame(t, "x"+string(r)+"y")
	}
	for _, s := range []string{"", "plain", "\xe2\x80", "\xed\xa0\x80", "é😀<b>&amp;</b>", "\\\"\u0000"} {
		requireSame(t, s)
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("<script>\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) { requireSame(t, s) })
}
