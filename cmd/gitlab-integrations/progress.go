package main

import (
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress draws a bar with counts and rate on stderr while long work
// runs, only when stderr is a terminal and --quiet was not given.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	bar   *progressbar.ProgressBar
	phase string
	total int
}

// newProgress returns the progress of the command, or nil (which draws
// nothing) when stderr is not a terminal or --quiet was given.
func (o *rootOptions) newProgress() *progress {
	if o.quiet || !isTerminal(o.streams.err) {
		return nil
	}
	return &progress{w: o.streams.err}
}

// update moves the bar to done of total in phase ("plan", "apply", …).
// It is safe for concurrent use; a nil progress does nothing.
func (p *progress) update(phase string, done, total int) {
	if p == nil || total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil || phase != p.phase || total != p.total {
		if p.bar != nil {
			_ = p.bar.Finish()
			_, _ = io.WriteString(p.w, "\n")
		}
		p.phase, p.total = phase, total
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(phase),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("targets"),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
		)
	}
	_ = p.bar.Set(done)
}

// finish completes the bar and ends its line, so that what follows on
// stderr starts on a line of its own.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		_, _ = io.WriteString(p.w, "\n")
		p.bar = nil
	}
}
