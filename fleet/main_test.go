package fleet_test

import (
	"fmt"
	"os"
	"testing"
)

// TestMain keeps the state key the tests make out of the user's own
// configuration directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fleet-test-config")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Setenv("HOME", dir)
	os.Setenv("AppData", dir)
	os.Unsetenv("GITLAB_INTEGRATIONS_STATE_KEY")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
