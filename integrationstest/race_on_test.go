//go:build race

package integrationstest

// raceEnabled reports a -race build, whose instrumentation allocates.
const raceEnabled = true
