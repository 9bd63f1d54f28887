package main

import (
	"strings"
	"testing"
	"time"
)

// The bar shows no rate before a change is done, a rate after, and ends
// where the work ended.
func TestProgressDraws(t *testing.T) {
	var w strings.Builder
	now := time.Unix(1000, 0)
	p := &progress{w: &w, now: func() time.Time { return now }}
	p.update("apply", 0, 10)
	if got := w.String(); !strings.Contains(got, "0/10 changes") || strings.Contains(got, "/s") || strings.Contains(got, "left") {
		t.Errorf("before any change: %q", got)
	}
	w.Reset()
	now = now.Add(2 * time.Second)
	p.update("apply", 4, 10)
	if got := w.String(); !strings.Contains(got, "4/10 changes, 2.0 changes/s, 3s left") {
		t.Errorf("after 4 changes in 2 s: %q", got)
	}
	w.Reset()
	p.update("apply", 3, 10) // a late, lower count never moves it back
	now = now.Add(time.Second)
	p.finish()
	if got := w.String(); !strings.Contains(got, " 40% [============>                 ] 4/10 changes") || !strings.HasSuffix(got, "\n") {
		t.Errorf("finish: %q", got)
	}
}
