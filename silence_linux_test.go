package integrations

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// captureOutput runs f with file descriptors 1 and 2, os.Stdout, os.Stderr,
// the standard logger and slog's default all pointed at one pipe, and returns
// what was written. It works at the descriptor level because
// go-retryablehttp's default logger holds the original *os.File for stderr.
// It must not run in parallel with other tests.
func captureOutput(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	savedOut, err := syscall.Dup(1)
	require.NoError(t, err)
	savedErr, err := syscall.Dup(2)
	require.NoError(t, err)
	stdout, stderr := os.Stdout, os.Stderr
	logOut := log.Writer()
	slogDefault := slog.Default()

	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	require.NoError(t, syscall.Dup3(int(w.Fd()), 1, 0))
	require.NoError(t, syscall.Dup3(int(w.Fd()), 2, 0))
	os.Stdout, os.Stderr = w, w
	log.SetOutput(w)
	slog.SetDefault(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})))

	defer func() {
		slog.SetDefault(slogDefault)
		log.SetOutput(logOut)
		os.Stdout, os.Stderr = stdout, stderr
		_ = syscall.Dup3(savedOut, 1, 0)
		_ = syscall.Dup3(savedErr, 2, 0)
		_ = syscall.Close(savedOut)
		_ = syscall.Close(savedErr)
	}()
	f()
	// Restore the descriptors before closing the pipe so that the reader
	// sees the end of it.
	_ = syscall.Dup3(savedOut, 1, 0)
	_ = syscall.Dup3(savedErr, 2, 0)
	require.NoError(t, w.Close())
	return string(<-done)
}

// TestSilentByDefault makes retried, failing and successful calls with the
// default logger and checks that nothing reaches stdout, stderr, the
// standard logger or slog's default: go-retryablehttp's own logger prints
// "[DEBUG] GET …" lines unless it is left out.
//
// Not parallel: it redirects the process's output.
func TestSilentByDefault(t *testing.T) {
	fake := newFakeGitLab(t)
	var calls atomic.Int32
	fake.onFunc(http.MethodGet, fakeBaseURL+"/api/v4/projects/42/integrations/slack", func(*http.Request) (int, http.Header, string) {
		if calls.Add(1) == 1 {
			return http.StatusServiceUnavailable, nil, `{"message":"503 Service Unavailable"}`
		}
		return http.StatusOK, nil, string(fixtureBytes(t, "slack"))
	})
	out := captureOutput(t, func() {
		c := fake.client(WithRetries(2, time.Millisecond, time.Millisecond))
		_, err := c.Slack.Get(context.Background(), ProjectID(42))
		require.NoError(t, err)
		_, err = c.Slack.Get(context.Background(), ProjectID(404), WithRequestHeader("X-Try", "1"))
		require.Error(t, err)
	})
	assert.Equal(t, int32(2), calls.Load(), "the first answer was retried")
	assert.Len(t, fake.requests(), 3)
	assert.Empty(t, out, "the SDK printed something")

	// The capture itself works: what a program prints is seen.
	out = captureOutput(t, func() {
		log.Print("visible")
		_, _ = os.Stderr.WriteString("direct\n")
		_, _ = syscall.Write(2, []byte("raw\n"))
	})
	assert.True(t, bytes.Contains([]byte(out), []byte("visible")), out)
	assert.Contains(t, out, "direct")
	assert.Contains(t, out, "raw")
}
