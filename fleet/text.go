package fleet

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText prints the plan for people, in the manner of terraform plan:
// one block per change ("+" create, "~" update, "-" disable, "<" inherit),
// each changed field as "old → new" with secrets shown as "(secret)", the
// notes, and a summary line last. No-ops are counted, not listed.
func (p *Plan) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for i := range p.Changes {
		ch := &p.Changes[i]
		if ch.Action == NoOp {
			continue
		}
		sign, what := "?", string(ch.Action)
		switch ch.Action {
		case Create:
			sign = "+"
		case Update:
			sign = "~"
		case Disable:
			sign = "-"
		case InheritAction:
			sign, what = "<", "inherit the group's settings"
		}
		fmt.Fprintf(bw, "%s %s %s (%s)\n", sign, ch.scopeText(), ch.Integration, what)
		for _, f := range ch.Fields {
			switch {
			case ch.Action == Create:
				fmt.Fprintf(bw, "    + %s: %s\n", f.Name, showValue(f.To))
			default:
				fmt.Fprintf(bw, "    ~ %s: %s → %s\n", f.Name, showValue(f.From), showValue(f.To))
			}
		}
		for _, n := range ch.Notes {
			fmt.Fprintf(bw, "    # %s\n", n)
		}
	}
	s := p.Summary
	if !p.HasChanges() {
		fmt.Fprintf(bw, "No changes: GitLab matches the spec (%d unchanged).\n", s.NoOp)
	} else {
		if len(p.Changes) > 0 {
			bw.WriteString("\n")
		}
		fmt.Fprintf(bw, "Plan: %d to create, %d to update, %d to disable, %d to inherit, %d unchanged.\n",
			s.Create, s.Update, s.Disable, s.Inherit, s.NoOp)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fleet: write plan: %w", err)
	}
	return nil
}

// scopeText returns the change's scope as plans print it.
func (ch *Change) scopeText() string {
	if ch.text == "" {
		ch.text = scopeText(ch.Scope)
	}
	return ch.text
}

// showValue prints a field's value: strings quoted, nothing as "(none)",
// lists in brackets; the "(secret)" and "(inherited)" markers as they are.
func showValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		if x == secretShown || x == inheritedShown {
			return x
		}
		return strconv.Quote(x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case []any:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = showValue(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return fmt.Sprint(v)
}
