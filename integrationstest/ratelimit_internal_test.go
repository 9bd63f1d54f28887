package integrationstest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWindowLimiterNeverGoesBack(t *testing.T) {
	l := &windowLimiter{limit: 2}
	t0 := time.Unix(1_700_000_000, 900_000_000)

	for want := uint64(1); want <= 3; want++ {
		n, w := l.take(t0)
		assert.Equal(t, want, n)
		assert.Equal(t, t0.Unix(), w)
	}
	n, w := l.take(t0.Add(200 * time.Millisecond))
	assert.Equal(t, uint64(1), n, "a new second opens a new window")
	assert.Equal(t, t0.Unix()+1, w)

	// A request that read the clock before the new window opened is
	// counted in the new window, never reopening the old one.
	n, w = l.take(t0)
	assert.Equal(t, uint64(2), n)
	assert.Equal(t, t0.Unix()+1, w)
}
