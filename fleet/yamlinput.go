package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/gitlabkit/integrations/internal/readfile"
)

// MaxSpecSize is the largest spec ParseSpec and LoadSpec read, 16 MiB: a
// fleet of thousands of projects fits in far less, and a bound keeps a
// mistaken (or hostile) file from taking minutes and gigabytes.
const MaxSpecSize = 16 << 20

// MaxAliasNodes bounds the YAML nodes the aliases (*name) of a spec
// repeat: an anchor of 1,000 lines referenced by 1,000 targets is a
// million integrations to check, from 54 KB of text. 250,000 nodes are
// more than 5,000 targets sharing an anchor of 20 integrations.
const MaxAliasNodes = 250_000

// decodeSpec checks the bytes of a spec (its size, UTF-8 text, no control
// characters) and decodes its one YAML document, refusing a second one
// and one whose aliases expand past MaxSpecNodes. It returns nil after
// adding the problems found to p.
func decodeSpec(file string, data []byte, p *problemList) *yaml.Node {
	return decodeDocument(file, data, p, specDocument)
}

// document names a kind of YAML file fleet reads, for decodeDocument's
// messages: "spec" and what an empty one lacks.
type document struct{ noun, want string }

var specDocument = document{noun: "spec", want: "version: 1 and targets:"}

// decodeDocument is decodeSpec for any kind of document: a spec, a policy.
func decodeDocument(file string, data []byte, p *problemList, kind document) *yaml.Node {
	if len(data) > MaxSpecSize {
		p.add(file, 0, "the %s is %s; a %s is at most 16 MiB: split it into several", kind.noun, readfile.Size(int64(len(data))), kind.noun)
		return nil
	}
	if line, msg := badText(data); msg != "" {
		msg = strings.ReplaceAll(msg, "spec", kind.noun)
		p.add(file, line, "%s", msg)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(file, 1, "empty %s (want %s)", kind.noun, kind.want)
			return nil
		}
		line, msg := yamlErrorLine(err)
		p.add(file, line, "not a YAML document: %s", msg)
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		line, msg := yamlErrorLine(err)
		p.add(file, line, "a second YAML document (after ---), which does not read: %s; a %s is one document", msg, kind.noun)
		return nil
	default:
		p.add(file, max(next.Line, 1), "a second YAML document (after ---): a %s is one document; remove the --- and what follows, or make it a %s file of its own", kind.noun, kind.noun)
		return nil
	}
	if len(doc.Content) == 0 {
		p.add(file, 1, "empty %s (want %s)", kind.noun, kind.want)
		return nil
	}
	if line, over := aliasesRepeatPast(&doc, MaxAliasNodes); over {
		p.add(file, line, "the aliases (*name) of the %s repeat more than 250,000 YAML nodes by here; share less through anchors, or split the %s", kind.noun, kind.noun)
		return nil
	}
	return doc.Content[0]
}

// badText finds the first byte of data that is not UTF-8 text YAML
// accepts: invalid UTF-8, NUL and the other control characters (tab and
// line breaks aside). yaml.v3 refuses these without saying where.
func badText(data []byte) (int, string) {
	line := 1
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n':
				line++
			case c == '\t' || c == '\r':
			case c < 0x20 || c == 0x7f:
				return line, fmt.Sprintf("a control character (%U) in the spec; a spec is text: remove it", rune(c))
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return line, fmt.Sprintf("not UTF-8 text (the byte 0x%02x); save the spec as UTF-8", c)
		case r >= 0x80 && r <= 0x9f && r != 0x85:
			return line, fmt.Sprintf("a control character (%U) in the spec; a spec is text: remove it", r)
		}
		i += n
	}
	return 0, ""
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlErrorLine takes the line out of a yaml.v3 error ("yaml: line 3:
// did not find expected key"), for a "file:line: message" problem.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, m[2]
	}
	if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	return 0, msg
}

// aliasesRepeatPast reports whether the aliases of the document, each
// counted as a copy of the node it names, repeat more than limit nodes,
// and the line of the alias where they do. Each node's expanded size is
// computed once, and never past limit+1.
func aliasesRepeatPast(doc *yaml.Node, limit int) (int, bool) {
	sizes := map[*yaml.Node]int{}
	var size func(n *yaml.Node, depth int) int
	size = func(n *yaml.Node, depth int) int {
		if n == nil {
			return 0
		}
		if s, ok := sizes[n]; ok {
			return s
		}
		if depth > 1000 {
			return limit + 1 // nesting no spec has
		}
		sizes[n] = limit + 1 // in progress: a cycle counts as too much
		s := 1
		if n.Kind == yaml.AliasNode {
			s = size(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			if s += size(c, depth+1); s > limit {
				break
			}
		}
		s = min(s, limit+1)
		sizes[n] = s
		return s
	}
	// Walk the document's own nodes in order, adding up what each alias
	// repeats, to name the line where the repetition passes the limit.
	repeated := 0
	var walk func(n *yaml.Node, depth int) (int, bool)
	walk = func(n *yaml.Node, depth int) (int, bool) {
		if n.Kind == yaml.AliasNode {
			if repeated += size(n, depth); repeated > limit {
				return n.Line, true
			}
			return 0, false
		}
		for _, c := range n.Content {
			if line, over := walk(c, depth+1); over {
				return line, true
			}
		}
		return 0, false
	}
	return walk(doc, 0)
}
