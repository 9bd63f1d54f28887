package main

import (
	"bytes"
	"io"
	"strings"

	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/internal/safetext"
)

// ANSI colours of plan and apply results on a terminal.
const (
	colourGreen  = "\x1b[32m"
	colourYellow = "\x1b[33m"
	colourRed    = "\x1b[31m"
	colourCyan   = "\x1b[36m"
	colourReset  = "\x1b[0m"
)

// colourOn reports whether w gets colour: a terminal, without --no-color
// and without NO_COLOR (any value but empty, as no-color.org says).
func (o *rootOptions) colourOn(w io.Writer) bool {
	if o.noColour {
		return false
	}
	if v, ok := o.getenv("NO_COLOR"); ok && v != "" {
		return false
	}
	return isTerminal(w)
}

// writeColoured writes text line by line, each in the colour pick gives
// it ("" for none). The lines are escaped for the terminal first, so that
// the only escapes written are the tool's own.
func writeColoured(w io.Writer, text []byte, pick func(line string) string) error {
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(string(text), "\n") {
		if line == "" {
			continue
		}
		body := strings.TrimSuffix(line, "\n")
		body = safetext.Terminal(body)
		if c := pick(body); c != "" && body != "" {
			body = c + body + colourReset
		}
		b.WriteString(body)
		if strings.HasSuffix(line, "\n") {
			b.WriteByte('\n')
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// planColour colours a line of the plan's text by its sign.
func planColour(line string) string {
	trimmed := strings.TrimLeft(line, " ")
	switch {
	case strings.HasPrefix(trimmed, "+ "):
		return colourGreen
	case strings.HasPrefix(trimmed, "~ "):
		return colourYellow
	case strings.HasPrefix(trimmed, "- "):
		return colourRed
	case strings.HasPrefix(trimmed, "< "):
		return colourCyan
	case strings.HasPrefix(trimmed, "! "):
		return colourRed
	}
	return ""
}

// statusColour is the colour of an apply result's status.
func statusColour(status string) string {
	switch status {
	case "applied":
		return colourGreen
	case "failed":
		return colourRed
	case "not started":
		return colourYellow
	}
	return ""
}

// writePlanText writes the plan's text, coloured by sign on a terminal.
func writePlanText(w io.Writer, root *rootOptions, p *fleet.Plan) error {
	if !root.colourOn(w) {
		return p.WriteText(w)
	}
	var b bytes.Buffer
	if err := p.WriteText(&b); err != nil {
		return err
	}
	return writeColoured(w, b.Bytes(), planColour)
}

// renderResults writes apply's results; the table's rows are coloured by
// status on a terminal.
func renderResults(w io.Writer, root *rootOptions, format string, views []resultView, t *table) error {
	if format != "table" || !root.colourOn(w) {
		return render(w, format, views, t)
	}
	var b bytes.Buffer
	if err := render(&b, format, views, t); err != nil {
		return err
	}
	row := -1 // the header first
	return writeColoured(w, b.Bytes(), func(string) string {
		defer func() { row++ }()
		if row < 0 || row >= len(views) {
			return ""
		}
		return statusColour(views[row].Status)
	})
}
