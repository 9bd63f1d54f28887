package bench

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as the loopback measurements' child
// server (see child.go) before it runs anything else.
func TestMain(m *testing.M) {
	ServeIfChild()
	os.Exit(m.Run())
}
