package fleet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// planFileRef plans a spec whose Slack channel is ${file:path} against a
// project whose Slack is set up (so that plan resolves the reference to
// compare it), then applies the plan, and returns the error that refuses
// it; it fails the test when the
// plan takes longer than a few seconds.
func planFileRef(t *testing.T, path string) error {
	t.Helper()
	srv, c := setup(t)
	ctx := context.Background()
	srv.AddProject("acme/web")
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: sentinel, Channel: integrations.Ptr("#x")})
	require.NoError(t, err)
	spec := parse(t, "version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slack:\n        webhook: ${env:W}\n        channel: ${file:"+path+"}\n")
	done := make(chan error, 1)
	go func() {
		// The plan lists the reference it cannot read; apply refuses it,
		// saying why, before sending anything.
		lookup := env(map[string]string{"W": sentinel})
		p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: lookup})
		if err == nil {
			switch len(p.Unresolved) {
			case 0: // read: the plan compared it
			case 1:
				_, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup})
			default:
				err = fmt.Errorf("plan lists %d unresolved references, want 1", len(p.Unresolved))
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("plan still reading ${file:%s} after 5 s", path)
		return nil
	}
}

// TestFileReferenceToAFIFOIsRefused: a FIFO would hold plan and apply
// forever (opening one waits for a writer); it is refused at once.
func TestFileReferenceToAFIFOIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	t.Cleanup(func() {
		// Unblock a reader left behind by a failing run.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	start := time.Now()
	err := planFileRef(t, fifo)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "${file:"+fifo+"}: "+fifo+": not a regular file (a FIFO)")
	assert.Less(t, time.Since(start), time.Second)
}

// TestFileReferenceIsBounded: /dev/zero and a 2 GB (sparse) file are
// refused by their type and size, without being read.
func TestFileReferenceIsBounded(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero")
	}
	big := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(2<<30))
	require.NoError(t, f.Close())

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err = planFileRef(t, big)
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "${file:"+big+"}: "+big+": file too large: 2.0 GiB, more than 64 KiB (the most read)")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "bytes allocated")

	err = planFileRef(t, "/dev/zero")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "${file:/dev/zero}: /dev/zero: not a regular file (a character device)")

	// 64 KiB is still read, one trailing newline removed.
	ok := filepath.Join(t.TempDir(), "ok")
	require.NoError(t, os.WriteFile(ok, append(make([]byte, 64<<10-1), '\n'), 0o600))
	require.NoError(t, planFileRef(t, ok))
	require.NoError(t, os.WriteFile(ok, make([]byte, 64<<10+1), 0o600))
	assert.ErrorContains(t, planFileRef(t, ok), "file too large: 65537 B, more than 64 KiB")
}
