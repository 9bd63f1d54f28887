package fleet_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aliasBomb is a spec with one anchored map of slugs unknown to the
// catalog, which every one of targets references.
func aliasBomb(slugs, targets int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nx-i: &i\n")
	for i := range slugs {
		fmt.Fprintf(&b, "  nosuch%d: present\n", i)
	}
	b.WriteString("targets:\n")
	for i := range targets {
		fmt.Fprintf(&b, "  - {project: a/p%d, integrations: *i}\n", i)
	}
	return []byte(b.String())
}

// parseMeasured parses a spec and returns the error, how long it took
// and the bytes it allocated.
func parseMeasured(t *testing.T, data []byte) (error, time.Duration, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := fleet.ParseSpec("fleet.yaml", data)
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return err, d, after.TotalAlloc - before.TotalAlloc
}

// TestAliasesCannotAmplifyTheWork: 54 KB of spec whose aliases expand to
// a million integrations is refused at once, with one line.
func TestAliasesCannotAmplifyTheWork(t *testing.T) {
	data := aliasBomb(1000, 1000)
	require.Less(t, len(data), 62_000)
	err, d, alloc := parseMeasured(t, data)
	require.Error(t, err)
	assert.True(t, errors.Is(err, integrations.ErrValidation))
	assert.Equal(t, "fleet.yaml:1128: the aliases (*name) of the spec repeat more than 250,000 YAML nodes by here; share less through anchors, or split the spec", err.Error())
	assert.Less(t, d, 2*time.Second)
	assert.Less(t, alloc, uint64(64<<20), "bytes allocated")
}

// TestProblemsAreReportedOncePerNodeAndCapped: an unknown slug shared by
// an anchor with 300 targets is one problem, not 300, and the list is
// cut after the first ones, saying how many more there are.
func TestProblemsAreReportedOncePerNodeAndCapped(t *testing.T) {
	err, d, _ := parseMeasured(t, aliasBomb(100, 300))
	require.Error(t, err)
	var se *fleet.SpecError
	require.ErrorAs(t, err, &se)
	assert.Len(t, se.Problems, fleet.MaxProblems)
	assert.Equal(t, 100-fleet.MaxProblems, se.More)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, fleet.MaxProblems+1)
	assert.Equal(t, `fleet.yaml:3: unknown integration "nosuch0"`, lines[0][:len(`fleet.yaml:3: unknown integration "nosuch0"`)])
	assert.Equal(t, "… and 80 more problems", lines[len(lines)-1])
	assert.Less(t, d, 2*time.Second)
}

// TestAliasesJustUnderTheBound: the largest amplification allowed is
// still quick, and its error short.
func TestAliasesJustUnderTheBound(t *testing.T) {
	if testing.Short() {
		t.Skip("a second of work")
	}
	err, d, alloc := parseMeasured(t, aliasBomb(1000, 124))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 4000)
	assert.True(t, strings.HasSuffix(err.Error(), "… and 980 more problems"), err.Error()[len(err.Error())-100:])
	t.Logf("%v, %d MiB allocated", d, alloc>>20)
	assert.Less(t, d, 5*time.Second)
}
