package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteRefusesHandWrittenFiles: the generator overwrites its own output
// and creates new files, but leaves a file without its marker untouched and
// reports failure.
func TestWriteRefusesHandWrittenFiles(t *testing.T) {
	dir := t.TempDir()
	g := &generator{root: dir}
	src := []byte("// " + marker + "\n\npackage integrations\n")

	g.writeGo("new.go", src)
	if g.failed {
		t.Fatal("writing a new file failed")
	}
	got, err := os.ReadFile(filepath.Join(dir, "new.go"))
	if err != nil || string(got) != string(src) {
		t.Fatalf("new.go = %q, %v; want the generated source", got, err)
	}

	regenerated := []byte("// " + marker + "\n\npackage integrations\n\nconst X = 1\n")
	g.writeGo("new.go", regenerated)
	if got, _ := os.ReadFile(filepath.Join(dir, "new.go")); g.failed || string(got) != string(regenerated) {
		t.Fatalf("a generated file was not regenerated: %q (failed=%v)", got, g.failed)
	}

	handWritten := []byte("// Package integrations, by hand.\npackage integrations\n")
	path := filepath.Join(dir, "slack.go")
	if err := os.WriteFile(path, handWritten, 0o644); err != nil {
		t.Fatal(err)
	}
	g.writeGo("slack.go", src)
	if !g.failed {
		t.Error("overwriting a hand-written file did not fail")
	}
	if got, _ := os.ReadFile(path); string(got) != string(handWritten) {
		t.Errorf("the hand-written file was changed to %q", got)
	}
}
