package fleet

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// WriteText prints the plan for people, in the manner of terraform plan:
// one block per change ("+" create, "~" update, "-" disable, "<" inherit),
// each changed field as "old → new" with secrets shown as "(secret)", the
// notes, the references apply will need that could not be resolved here
// ("! apply will need SLACK_WEBHOOK, not set here"), and a summary line
// last. No-ops are counted, not listed.
func (p *Plan) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	needs := map[string][]Unresolved{}
	for _, u := range p.Unresolved {
		for _, by := range u.NeededBy {
			needs[by] = append(needs[by], u)
		}
	}
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
		for _, u := range needs[ch.scopeText()+" "+ch.Integration] {
			fmt.Fprintf(bw, "    ! apply will need %s (%s)\n", u.short(), u.Where)
		}
	}

	s := p.Summary
	if !p.HasChanges() {
		fmt.Fprintf(bw, "No changes: GitLab matches the spec (%d unchanged).\n", s.NoOp)
	} else {
		if len(p.Changes) > 0 {
			bw.WriteString("\n")
		}
		var refs []string
		for _, u := range p.Unresolved {
			if !slices.Contains(refs, u.Reference) {
				refs = append(refs, u.Reference)
			}
		}
		if n := len(refs); n > 0 {
			fmt.Fprintf(bw, "Apply will need %d %s not resolvable here: %s.\n", n, plural(n, "reference", "references"), strings.Join(refs, ", "))
		}
		fmt.Fprintf(bw, "Plan: %d to create, %d to update, %d to disable, %d to inherit, %d unchanged.\n",
			s.Create, s.Update, s.Disable, s.Inherit, s.NoOp)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fleet: write plan: %w", err)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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
