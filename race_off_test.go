//go:build !race

package integrations

// raceEnabled reports a -race build, whose instrumentation allocates.
const raceEnabled = false
