package redact

import (
	"errors"
	"testing"
)

func TestSecretsHidesEveryValueLongestFirst(t *testing.T) {
	base := errors.New(`400 {"webhook":"https://hooks/abc/abcdef","password":"abcd","x":"ab"}`)
	err := Secrets(base, []string{"abcd", "https://hooks/abc/abcdef", "ab"})
	want := `400 {"webhook":"(secret)","password":"(secret)","x":"ab"}`
	if err.Error() != want {
		t.Errorf("got %q, want %q", err.Error(), want)
	}
	if !errors.Is(err, base) {
		t.Error("errors.Is no longer sees the wrapped error")
	}
	if Secrets(base, []string{"ab"}) != base {
		t.Error("nothing to hide: want the error itself")
	}
	if Secrets(nil, []string{"abcd"}) != nil {
		t.Error("a nil error stays nil")
	}
}
