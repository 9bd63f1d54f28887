//go:build !race

package fleet_test

// raceEnabled: the race detector slows the code down many times over, so
// tests measuring time allow for it.
const raceEnabled = false
