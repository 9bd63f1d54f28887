package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// parseMeasured parses a spec and returns how long it took (logged only:
// the machine's load decides it), the bytes it allocated (the work done,
// which the tests bound) and the error.
func parseMeasured(t *testing.T, data []byte) (time.Duration, uint64, error) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := fleet.ParseSpec("fleet.yaml", data)
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return d, after.TotalAlloc - before.TotalAlloc, err
}

// TestAliasesCannotAmplifyTheWork: 54 KB of spec whose aliases expand to
// a million integrations is refused at once, with one line.
func TestAliasesCannotAmplifyTheWork(t *testing.T) {
	data := aliasBomb(1000, 1000)
	require.Less(t, len(data), 62_000)
	d, alloc, err := parseMeasured(t, data)
	require.Error(t, err)
	assert.True(t, errors.Is(err, integrations.ErrValidation))
	assert.Equal(t, "fleet.yaml:1128: the aliases (*name) of the spec repeat more than 250,000 YAML nodes by here; share less through anchors, or split the spec", err.Error())
	t.Logf("%v, %d MiB allocated", d, alloc>>20)
	assert.Less(t, alloc, uint64(64<<20), "bytes allocated")
}

// TestProblemsAreReportedOncePerNodeAndCapped: an unknown slug shared by
// an anchor with 300 targets is one problem, not 300, and the list is
// cut after the first ones, saying how many more there are.
func TestProblemsAreReportedOncePerNodeAndCapped(t *testing.T) {
	d, alloc, err := parseMeasured(t, aliasBomb(100, 300))
	require.Error(t, err)
	var se *fleet.SpecError
	require.ErrorAs(t, err, &se)
	assert.Len(t, se.Problems, fleet.MaxProblems)
	assert.Equal(t, 100-fleet.MaxProblems, se.More)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, fleet.MaxProblems+1)
	assert.Equal(t, `fleet.yaml:3: unknown integration "nosuch0"`, lines[0][:len(`fleet.yaml:3: unknown integration "nosuch0"`)])
	assert.Equal(t, "… and 80 more problems", lines[len(lines)-1])
	t.Logf("%v, %d MiB allocated", d, alloc>>20)
	assert.Less(t, alloc, uint64(64<<20), "bytes allocated: the shared nodes are checked once")
}

// TestAliasesJustUnderTheBound: the largest amplification allowed is
// still quick, and its error short.
func TestAliasesJustUnderTheBound(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a second of work, half a minute under the race detector")
	}
	d, alloc, err := parseMeasured(t, aliasBomb(1000, 124))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 4000)
	assert.True(t, strings.HasSuffix(err.Error(), "… and 980 more problems"), err.Error()[len(err.Error())-100:])
	t.Logf("%v, %d MiB allocated", d, alloc>>20)
	assert.Less(t, alloc, uint64(256<<20), "bytes allocated")
}

// TestSpecInputIsChecked: a spec past 16 MiB, bytes that are not UTF-8
// text and a second YAML document are each one problem with a line.
func TestSpecInputIsChecked(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"version: 1\ntargets:\n  - project: a\xffb\n", "fleet.yaml:3: not UTF-8 text (the byte 0xff); save the spec as UTF-8"},
		{"version: 1\n\ntargets: \x00\n", "fleet.yaml:3: a control character (U+0000) in the spec; a spec is text: remove it"},
		{"version: 1\ntargets: \x1b[31m\n", "fleet.yaml:2: a control character (U+001B) in the spec; a spec is text: remove it"},
		{"version: 1\ntargets:\n  - {project: a/b, integrations: {slack: absent}}\n---\nversion: 1\ntargets: []\n", "fleet.yaml:4: a second YAML document (after ---): a spec is one document; remove the --- and what follows, or make it a spec file of its own"},
		{"version: 1\ntargets:\n  - {project: a/b, integrations: {slack: absent}}\n---\n[\n", "a second YAML document (after ---), which does not read:"},
		{"version: 1\ntargets: [\n  - x: y\n", "fleet.yaml:2: not a YAML document: did not find expected node content"},
		{"", "fleet.yaml:1: empty spec (want version: 1 and targets:)"},
	} {
		_, err := fleet.ParseSpec("fleet.yaml", []byte(c.spec))
		require.Error(t, err, c.spec)
		assert.True(t, errors.Is(err, integrations.ErrValidation))
		assert.Contains(t, err.Error(), c.want, "%q", c.spec)
	}

	big := make([]byte, fleet.MaxSpecSize+1)
	for i := range big {
		big[i] = '#'
	}
	d, alloc, err := parseMeasured(t, big)
	assert.EqualError(t, err, "fleet.yaml: the spec is 16.0 MiB; a spec is at most 16 MiB: split it into several")
	t.Logf("%v, %d KiB allocated", d, alloc>>10)
	assert.Less(t, alloc, uint64(1<<20))

	path := filepath.Join(t.TempDir(), "big.yaml")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	require.NoError(t, os.Truncate(path, 100<<20))
	_, err = fleet.LoadSpec(path)
	assert.EqualError(t, err, "fleet: read spec: "+path+": file too large: 100 MiB, more than 16 MiB (the most read); a spec is at most 16 MiB: split it into several")
}

// TestPlainScalarsForAStringAreTheirText: 0042, 0x1F, 1_000 and True
// written for a string parameter are sent as written, not as the number
// or boolean YAML reads.
func TestPlainScalarsForAStringAreTheirText(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.AddProject("acme/web")
	spec := parse(t, "version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slack:\n        webhook: ${env:W}\n        channel: 0042\n        username: 0x1F\n        push_channel: 1_000\n        issue_channel: True\n        note_channel: 1.50\n        notify_only_broken_pipelines: true\n")
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(map[string]string{"W": sentinel})})
	require.NoError(t, err)
	_, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: env(map[string]string{"W": sentinel})})
	require.NoError(t, err)
	got, err := c.Slack.Get(ctx, integrations.Project("acme/web"))
	require.NoError(t, err)
	assert.Equal(t, "0042", got.Properties.Channel)
	assert.Equal(t, "0x1F", got.Properties.Username)
	assert.Equal(t, "1_000", got.Properties.PushChannel)
	assert.Equal(t, "True", got.Properties.IssueChannel)
	assert.Equal(t, "1.50", got.Properties.NoteChannel)
	assert.True(t, got.Properties.NotifyOnlyBrokenPipelines)
	// And planning again shows nothing to change.
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: env(map[string]string{"W": sentinel})})
	require.NoError(t, err)
	assert.Equal(t, fleet.Summary{NoOp: 1}, p.Summary, text(t, p))
}

// TestASecretInPlaceOfAStateIsNotQuoted: a webhook written as the
// integration's value (slack: https://hooks…) is refused without being
// quoted; a typo of a state is still named.
func TestASecretInPlaceOfAStateIsNotQuoted(t *testing.T) {
	_, err := fleet.ParseSpec("fleet.yaml", []byte("version: 1\ntargets:\n  - project: a/b\n    integrations:\n      slack: "+sentinel+"\n"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SENTINEL")
	assert.NotContains(t, err.Error(), "hooks.slack.com")
	assert.Contains(t, err.Error(), "fleet.yaml:5: slack: a text is not a state: write absent, inherit or present, or the parameters as key: value lines")
	_, err = fleet.ParseSpec("fleet.yaml", []byte("version: 1\ntargets:\n  - project: a/b\n    integrations:\n      slack: absnet\n"))
	assert.ErrorContains(t, err, `fleet.yaml:5: slack: "absnet" is not a state (did you mean "absent"?)`)
}
