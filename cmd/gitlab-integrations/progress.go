package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress draws a one-line bar with counts and rate on stderr while long
// work runs, only when stderr is a terminal and --quiet was not given. It
// shows what was done, never more: an apply stopped at 164 of 517 ends at
// 164/517. A rate appears once there is one (a unit done).
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	phase   string
	unit    string
	done    int
	total   int
	start   time.Time
	drawn   time.Time // when the line was last drawn
	visible bool      // a line is on the terminal, not yet ended
	now     func() time.Time
}

// redrawEvery bounds how often the line is drawn.
const redrawEvery = 100 * time.Millisecond

// barWidth is the width of the bar between its brackets.
const barWidth = 30

// newProgress returns the progress of the command, or nil (which draws
// nothing) when stderr is not a terminal or --quiet was given.
func (o *rootOptions) newProgress() *progress {
	if o.quiet || !isTerminal(o.streams.err) {
		return nil
	}
	return &progress{w: o.streams.err, now: time.Now}
}

// unitOf names what a phase counts: an apply counts changes, the others
// the targets (projects and groups) they read.
func unitOf(phase string) string {
	if phase == "apply" {
		return "changes"
	}
	return "targets"
}

// update moves the bar to done of total in phase ("plan", "apply", …).
// It is safe for concurrent use; a nil progress does nothing.
func (p *progress) update(phase string, done, total int) {
	if p == nil || total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if phase != p.phase || total != p.total {
		p.end()
		p.phase, p.unit, p.total, p.start = phase, unitOf(phase), total, now
		p.drawn = time.Time{}
	}
	p.done = min(max(done, p.done), total)
	if p.done == total || now.Sub(p.drawn) >= redrawEvery {
		p.draw(now)
	}
}

// finish draws the bar as it stands (not filled: what was done) and ends
// its line, so that what follows on stderr starts on a line of its own.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.phase != "" {
		p.draw(p.now())
	}
	p.end()
	p.phase, p.total, p.done = "", 0, 0
}

// draw writes the line over the last one: "apply 42% [=====>    ] 164/517
// changes, 23 changes/s, 15s left".
func (p *progress) draw(now time.Time) {
	filled := p.done * barWidth / p.total
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	line := fmt.Sprintf("%s %3d%% [%s] %d/%d %s", p.phase, p.done*100/p.total, bar, p.done, p.total, p.unit)
	if elapsed := now.Sub(p.start); p.done > 0 && elapsed > 0 {
		rate := float64(p.done) / elapsed.Seconds()
		line += ", " + rateText(rate, p.unit)
		if p.done < p.total {
			left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
			line += ", " + left.Round(time.Second).String() + " left"
		}
	}
	// \r returns to the line's start, \x1b[K clears what a longer line left.
	_, _ = io.WriteString(p.w, "\r"+line+"\x1b[K")
	p.drawn, p.visible = now, true
}

// end ends the line drawn, if any.
func (p *progress) end() {
	if p.visible {
		_, _ = io.WriteString(p.w, "\n")
		p.visible = false
	}
}

// rateText writes a rate in the unit that keeps it readable.
func rateText(perSecond float64, unit string) string {
	switch {
	case perSecond >= 10:
		return fmt.Sprintf("%.0f %s/s", perSecond, unit)
	case perSecond >= 1:
		return fmt.Sprintf("%.1f %s/s", perSecond, unit)
	case perSecond*60 >= 1:
		return fmt.Sprintf("%.0f %s/min", perSecond*60, unit)
	}
	return fmt.Sprintf("%.0f %s/h", perSecond*3600, unit)
}

// note writes a line for people above the bar, which is drawn again
// below it. A nil progress does nothing.
func (p *progress) note(msg string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.visible {
		_, _ = io.WriteString(p.w, "\r\x1b[K")
	}
	_, _ = io.WriteString(p.w, msg+"\n")
	if p.phase != "" {
		p.draw(p.now())
	}
}
