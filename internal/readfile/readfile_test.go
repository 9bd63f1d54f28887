package readfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRegular(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := Regular(path, 5); err != nil || string(data) != "12345" {
		t.Errorf("Regular(5 bytes, 5) = %q, %v", data, err)
	}
	if _, err := Regular(path, 4); !errors.Is(err, ErrTooLarge) || err.Error() != path+": file too large: 5 B, more than 4 B (the most read)" {
		t.Errorf("Regular(5 bytes, 4): %v", err)
	}
	if _, err := Regular(dir, 4); !errors.Is(err, ErrNotRegular) || err.Error() != dir+": not a regular file (a directory)" {
		t.Errorf("Regular(dir): %v", err)
	}
	if _, err := Regular(filepath.Join(dir, "missing"), 4); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Regular(missing): %v", err)
	}
	// A file whose size the system does not report is still bounded.
	if _, err := os.Stat("/proc/self/environ"); err == nil {
		if _, err := Regular("/proc/self/environ", 1); err != nil && !errors.Is(err, ErrTooLarge) {
			t.Errorf("Regular(/proc/self/environ, 1): %v", err)
		}
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{17: "17 B", 64 << 10: "64 KiB", 65537: "65537 B", 16 << 20: "16 MiB", 100<<20 + 1: "100.0 MiB", 2 << 30: "2.0 GiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
