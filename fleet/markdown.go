package fleet

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/url"
	"strings"

	"github.com/gitlabkit/integrations/internal/safetext"
)

// DefaultMarkdownSize is the size WriteMarkdown keeps to when
// MarkdownOptions.MaxBytes is zero: 60,000 bytes, a merge-request note a
// reviewer can still read (GitLab itself takes notes up to 1,000,000
// characters).
const DefaultMarkdownSize = 60_000

// minMarkdownSize is the smallest bound WriteMarkdown honours: room for the
// summary line and the counts of what is not shown.
const minMarkdownSize = 2_000

// collapseAbove is how many scopes a plan may change before each scope's
// changes are folded in a <details> block.
const collapseAbove = 10

// MarkdownOptions are the options of Plan.WriteMarkdown.
type MarkdownOptions struct {
	// MaxBytes bounds the Markdown written: past it, the rest of the plan
	// is replaced by the counts of what is not shown and a pointer to
	// ArtifactURL. Zero means DefaultMarkdownSize; a bound below 2,000
	// bytes is taken as 2,000.
	MaxBytes int
	// ArtifactURL is where the whole plan can be read (the CI job's
	// plan.json artifact), linked when the Markdown is cut. Only an
	// http or https URL is linked; empty, the pointer names "the job's
	// artifacts".
	ArtifactURL string
	// Header is written first, as it is (a hidden marker such as
	// "<!-- gitlab-integrations:plan -->" that finds the note again). It
	// counts toward MaxBytes; it must not come from GitLab.
	Header string
}

// WriteMarkdown writes the plan as Markdown for a merge-request note, as
// GitLab renders it: the summary line first; the references apply will
// need that could not be resolved here in their own section; the changes
// grouped by scope (each scope folded in <details> when more than ten
// scopes change), each field as old → new, secrets as (secret); the notes
// last. No-ops are counted, not listed.
//
// Every name and value that comes from the spec or from GitLab is written
// in a code span (in <code>, HTML-escaped, inside <summary>) with control
// characters escaped, so that a value cannot add Markdown or HTML, mention
// users, or close its span. Past opts.MaxBytes the changes, references and
// notes not yet written are counted instead, with a pointer to the whole
// plan (opts.ArtifactURL).
func (p *Plan) WriteMarkdown(w io.Writer, opts MarkdownOptions) error {
	if p == nil {
		return fmt.Errorf("fleet: write Markdown: nil *Plan")
	}
	limit := opts.MaxBytes
	if limit == 0 {
		limit = DefaultMarkdownSize
	}
	limit = max(limit, minMarkdownSize)
	// The footer, when the Markdown is cut, takes at most this much.
	budget := limit - 600 - len(opts.ArtifactURL)*3

	var out bytes.Buffer
	out.WriteString(opts.Header)
	if opts.Header != "" && !strings.HasSuffix(opts.Header, "\n") {
		out.WriteString("\n")
	}
	s := p.Summary
	if !p.HasChanges() {
		fmt.Fprintf(&out, "**No changes:** GitLab matches the spec (%d unchanged).\n", s.NoOp)
	} else {
		fmt.Fprintf(&out, "**Plan:** %d to create, %d to update, %d to disable, %d to inherit, %d unchanged.\n",
			s.Create, s.Update, s.Disable, s.Inherit, s.NoOp)
	}

	cut := false
	// add writes piece unless it would pass the budget; once one does not
	// fit, nothing more is written, so that what is shown is a prefix.
	add := func(piece []byte) bool {
		if cut || out.Len()+len(piece) > budget {
			cut = true
			return false
		}
		out.Write(piece)
		return true
	}

	// The references apply will need.
	shownRefs := 0
	if len(p.Unresolved) > 0 {
		add([]byte("\n### Apply will need\n\nNot resolvable where the plan ran; the apply job must have them:\n\n"))
		for _, u := range p.Unresolved {
			var b bytes.Buffer
			fmt.Fprintf(&b, "- %s (%s), needed by %d %s", codeSpan(u.Reference), codeSpan(u.Where), len(u.NeededBy), plural(len(u.NeededBy), "change", "changes"))
			if len(u.NeededBy) <= 3 {
				b.WriteString(": ")
				for i, by := range u.NeededBy {
					if i > 0 {
						b.WriteString(", ")
					}
					b.WriteString(codeSpan(by))
				}
			}
			b.WriteString("\n")
			if !add(b.Bytes()) {
				break
			}
			shownRefs++
		}
	}

	// The changes, by scope (Changes are ordered by scope).
	groups := p.scopeGroups()
	changed := 0
	for _, g := range groups {
		changed += len(g)
	}
	shownChanges := 0
	if changed > 0 {
		add([]byte("\n### Changes\n"))
		needs := map[string][]Unresolved{}
		for _, u := range p.Unresolved {
			for _, by := range u.NeededBy {
				needs[by] = append(needs[by], u)
			}
		}
		collapse := len(groups) > collapseAbove
		for _, g := range groups {
			var b bytes.Buffer
			scope := g[0].scopeText()
			if collapse {
				fmt.Fprintf(&b, "\n<details><summary><code>%s</code>: %d %s</summary>\n\n",
					html.EscapeString(safetext.Terminal(scope)), len(g), plural(len(g), "change", "changes"))
			} else {
				fmt.Fprintf(&b, "\n#### %s\n\n", codeSpan(scope))
			}
			for _, ch := range g {
				ch.writeMarkdown(&b, needs[scope+" "+ch.Integration])
			}
			if collapse {
				b.WriteString("\n</details>\n")
			}
			if !add(b.Bytes()) {
				break
			}
			shownChanges += len(g)
		}
	}

	// The notes: overrides, values that cannot be verified, secrets changed.
	notes, shownNotes := 0, 0
	for _, g := range groups {
		for _, ch := range g {
			notes += len(ch.Notes)
		}
	}
	if notes > 0 {
		add([]byte("\n### Notes\n\n"))
	notesLoop:
		for _, g := range groups {
			for _, ch := range g {
				for _, n := range ch.Notes {
					line := "- " + codeSpan(ch.scopeText()+" "+ch.Integration) + ": " + codeSpan(n) + "\n"
					if !add([]byte(line)) {
						break notesLoop
					}
					shownNotes++
				}
			}
		}
	}

	if cut {
		var left []string
		if n := changed - shownChanges; n > 0 {
			left = append(left, fmt.Sprintf("%d of %d %s", n, changed, plural(changed, "change", "changes")))
		}
		if n := len(p.Unresolved) - shownRefs; n > 0 {
			left = append(left, fmt.Sprintf("%d of %d %s apply will need", n, len(p.Unresolved), plural(len(p.Unresolved), "reference", "references")))
		}
		if n := notes - shownNotes; n > 0 {
			left = append(left, fmt.Sprintf("%d of %d %s", n, notes, plural(notes, "note", "notes")))
		}
		fmt.Fprintf(&out, "\n---\n\n**Not shown here** (this note keeps to %d bytes): %s. ", limit, strings.Join(left, ", "))
		if link := artifactLink(opts.ArtifactURL); link != "" {
			fmt.Fprintf(&out, "The whole plan is in [the job's artifacts](%s).\n", link)
		} else {
			out.WriteString("The whole plan is in the job's artifacts (plan.json).\n")
		}
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("fleet: write Markdown: %w", err)
	}
	return nil
}

// scopeGroups returns the changes that change something, one slice per
// scope, in the plan's order.
func (p *Plan) scopeGroups() [][]*Change {
	var groups [][]*Change
	last := ""
	for i := range p.Changes {
		ch := &p.Changes[i]
		if ch.Action == NoOp {
			continue
		}
		if s := ch.scopeText(); len(groups) == 0 || s != last {
			groups = append(groups, nil)
			last = s
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], ch)
	}
	return groups
}

// writeMarkdown writes one change as a list item, its fields below it.
func (ch *Change) writeMarkdown(b *bytes.Buffer, needs []Unresolved) {
	what := string(ch.Action)
	if ch.Action == InheritAction {
		what = "inherit the group's settings"
	}
	fmt.Fprintf(b, "- **%s** %s", what, codeSpan(ch.Integration))
	if ch.Where != "" {
		fmt.Fprintf(b, " (%s)", codeSpan(ch.Where))
	}
	b.WriteString("\n")
	for _, f := range ch.Fields {
		if ch.Action == Create {
			fmt.Fprintf(b, "  - %s: %s\n", codeSpan(f.Name), codeSpan(showValue(f.To)))
		} else {
			fmt.Fprintf(b, "  - %s: %s → %s\n", codeSpan(f.Name), codeSpan(showValue(f.From)), codeSpan(showValue(f.To)))
		}
	}
	for _, u := range needs {
		fmt.Fprintf(b, "  - apply will need %s\n", codeSpan(u.Reference))
	}
}

// codeSpan writes s as a Markdown code span that s cannot close: fenced by
// one backtick more than its longest run of backticks, padded with a space
// where s starts or ends with a backtick or a space (CommonMark strips one
// space on each side). Control characters and the characters that reorder
// text are escaped first, so that the span stays on its line. GitLab does
// not look for references (@user, #1) inside code.
func codeSpan(s string) string {
	s = safetext.Terminal(s)
	if s == "" {
		return "` `"
	}
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if s[0] == '`' || s[len(s)-1] == '`' || s[0] == ' ' || s[len(s)-1] == ' ' {
		s = " " + s + " "
	}
	return fence + s + fence
}

// artifactLink returns raw as the destination of a Markdown link, or ""
// when it is not an http or https URL. The characters that could end the
// destination or start HTML are percent-encoded.
func artifactLink(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	var b strings.Builder
	for _, r := range u.String() {
		switch {
		case r <= ' ' || r == 0x7f || strings.ContainsRune("()<>\"'`[]\\", r):
			fmt.Fprintf(&b, "%%%02X", r)
		case r > 0x7f:
			b.WriteString(url.PathEscape(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
