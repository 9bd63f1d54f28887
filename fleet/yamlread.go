package fleet

import (
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
	"go.yaml.in/yaml/v3"
)

// reader turns a YAML document into a Spec, recording the line of every
// target, integration and parameter, and every problem of shape (the
// catalog checks come after, in Spec.Validate).
type reader struct {
	file string
	spec *Spec
	p    *problemList
}

var (
	topKeys    = []string{"version", "targets"}
	states     = []string{string(Absent), string(Inherit), string(Present)}
	targetKeys = []string{"projects_in", "include", "exclude", "project", "group", "integrations"}
)

func (r *reader) add(n *yaml.Node, format string, args ...any) {
	r.p.add(r.file, n.Line, format, args...)
}

// deref follows YAML aliases (*name) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && depth < 32; depth++ {
		n = n.Alias
	}
	return n
}

// pairs walks a mapping, refusing a duplicate key. A merge key ("<<:
// *defaults") adds the pairs of the mapping (or list of mappings) it
// names, for the keys the mapping does not give itself.
func (r *reader) pairs(n *yaml.Node, what string, fn func(k, v *yaml.Node)) bool {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		r.add(n, "%s must be a mapping (key: value lines), not %s", what, kindName(n))
		return false
	}
	seen := map[string]bool{}
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if k.Tag == "!!merge" {
			if v.Kind == yaml.SequenceNode {
				for _, m := range v.Content {
					merged = append(merged, deref(m))
				}
			} else {
				merged = append(merged, v)
			}
			continue
		}
		if seen[k.Value] {
			r.add(k, "%q is given twice in %s; keep one", k.Value, what)
			continue
		}
		seen[k.Value] = true
		fn(k, v)
	}
	for _, m := range merged {
		if m.Kind != yaml.MappingNode {
			r.add(m, "a merge (<<:) in %s must name a mapping, not %s", what, kindName(m))
			continue
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], deref(m.Content[i+1])
			if seen[k.Value] || k.Tag == "!!merge" {
				continue
			}
			seen[k.Value] = true
			fn(k, v)
		}
	}
	return true
}

func (r *reader) top(n *yaml.Node) {
	sawVersion := false
	ok := r.pairs(n, "the spec", func(k, v *yaml.Node) {
		switch k.Value {
		case "version":
			sawVersion = true
			ver, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				r.add(v, "version must be the number 1, not %s", kindName(v))
				return
			}
			r.spec.Version = ver
			r.spec.lines["version"] = v.Line
		case "targets":
			if v.Kind != yaml.SequenceNode {
				r.add(v, "targets must be a list (lines starting with \"- \"), not %s", kindName(v))
				return
			}
			for i, t := range v.Content {
				r.target(i, deref(t))
			}
		default:
			if strings.HasPrefix(k.Value, "x-") {
				return // an extension field, for anchors to share
			}
			r.spec.lines["!top"] = k.Line
			r.add(k, "unknown key %q%s (a spec has version: and targets:, and x- keys of your own)", k.Value, didYouMean(k.Value, topKeys))
		}
	})
	if ok && !sawVersion {
		r.add(n, "version: is missing (write version: 1 first)")
	}
}

func (r *reader) target(i int, n *yaml.Node) {
	r.spec.Targets = append(r.spec.Targets, Target{})
	t := &r.spec.Targets[len(r.spec.Targets)-1]
	r.spec.lines[key(i)] = n.Line
	r.pairs(n, "a target", func(k, v *yaml.Node) {
		r.spec.lines[key(i, "@"+k.Value)] = k.Line
		if r.place(t, k, v) {
			return
		}
		switch k.Value {
		case "integrations":
			t.Integrations = map[string]Desired{}
			r.integrations(i, t, v)
		default:
			r.spec.lines[key(i, "!shape")] = k.Line
			r.add(k, "unknown key %q in a target%s (a target has %s)", k.Value, didYouMean(k.Value, targetKeys), strings.Join(targetKeys, ", "))
		}
	})
}

// place reads one of the keys that name a target's places (projects_in,
// project, group, include, exclude), the same in a spec and in a policy,
// and reports whether k was one.
func (r *reader) place(t *Target, k, v *yaml.Node) bool {
	switch k.Value {
	case "projects_in":
		t.ProjectsIn = r.str(v, k.Value)
	case "project":
		t.Project = r.str(v, k.Value)
	case "group":
		t.Group = r.str(v, k.Value)
	case "include":
		t.Include = r.strs(v, k.Value)
	case "exclude":
		t.Exclude = r.strs(v, k.Value)
	default:
		return false
	}
	return true
}

func (r *reader) integrations(i int, t *Target, n *yaml.Node) {
	r.pairs(n, "integrations", func(k, v *yaml.Node) {
		slug := k.Value
		r.spec.lines[key(i, slug)] = k.Line
		v = deref(v)
		switch v.Kind {
		case yaml.ScalarNode:
			if v.Tag == "!!null" {
				t.Integrations[slug] = Desired{State: Present}
				return
			}
			switch State(v.Value) {
			case Present, Absent, Inherit:
				t.Integrations[slug] = Desired{State: State(v.Value)}
			default:
				r.spec.lines[key(i, "!shape")] = v.Line
				// The value is quoted only when it looks like a word (a
				// state mistyped): anything else may be a secret written
				// in the wrong place (slack: https://hooks…).
				if stateLike(v.Value) {
					r.add(v, "%s: %q is not a state%s: write absent, inherit or present, or the parameters as key: value lines", slug, v.Value, didYouMean(v.Value, states))
				} else {
					r.add(v, "%s: a text is not a state: write absent, inherit or present, or the parameters as key: value lines", slug)
				}
			}
		case yaml.MappingNode:
			d := Desired{State: Present, Params: map[string]any{}}
			r.pairs(v, slug, func(pk, pv *yaml.Node) {
				r.spec.lines[key(i, slug, pk.Value)] = pk.Line
				val, ok := r.value(pv, slug+"."+pk.Value, textParam(slug, pk.Value))
				if ok {
					d.Params[pk.Value] = val
					if deref(pv).Tag == newSecretTag {
						d.NewSecrets = append(d.NewSecrets, pk.Value)
					}
				} else {
					r.spec.lines[key(i, slug, "!"+pk.Value)] = pk.Line
				}
			})
			t.Integrations[slug] = d
		default:
			r.spec.lines[key(i, "!shape")] = v.Line
			r.add(v, "%s: want absent, inherit, present or parameters, not %s", slug, kindName(v))
		}
	})
}

// newSecretTag marks a secret's value as new to GitLab (Desired.NewSecrets).
const newSecretTag = "!new"

// value decodes a parameter's value: a string, boolean, integer, or a
// list of strings. Other YAML types are refused here.
func (r *reader) value(n *yaml.Node, what string, text bool) (any, bool) {
	n = deref(n)
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") && n.Tag != newSecretTag {
		r.add(n, "%s: %s is not a tag a spec knows: the only one is %s, before a secret's new value", what, n.Tag, newSecretTag)
		return nil, false
	}
	if n.Tag == newSecretTag && n.Kind != yaml.ScalarNode {
		r.add(n, "%s: %s marks a secret's new value, a string, not %s", what, newSecretTag, kindName(n))
		return nil, false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if text && n.Style == 0 && (n.Tag == "!!int" || n.Tag == "!!bool" || n.Tag == "!!float") {
			// A plain scalar for a string parameter is its text as
			// written: 0042, 0x1F and 1_000 are not 34, 31 and 1000.
			return n.Value, true
		}
		switch n.Tag {
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err == nil {
				return b, true
			}
		case "!!int":
			var x int64
			if err := n.Decode(&x); err == nil {
				return x, true
			}
			r.add(n, "%s: %s is not a whole number GitLab accepts", what, n.Value)
			return nil, false
		case "!!null":
			r.add(n, "%s: no value; leave the parameter out to not manage it, or write \"\" for an empty string", what)
			return nil, false
		case "!!float":
			// A string parameter may look like a number ("1.2"); the
			// catalog check converts or refuses it by the parameter's type.
			return floatText(n.Value), true
		}
		return n.Value, true
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			item = deref(item)
			if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
				r.add(item, "%s: a list holds strings only, not %s", what, kindName(item))
				return nil, false
			}
			out = append(out, item.Value)
		}
		return out, true
	}
	r.add(n, "%s: want a string, boolean, number or list, not %s", what, kindName(n))
	return nil, false
}

// stateLike reports whether s is a short lower-case word, as a state is
// (and a webhook URL, a token or most passwords are not).
func stateLike(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// textParam reports whether slug's parameter name takes a string, so that
// a plain scalar written for it is taken as its text.
func textParam(slug, name string) bool {
	info, ok := integrations.Lookup(slug)
	if !ok {
		return false
	}
	p, ok := info.Parameter(name)
	return ok && p.Type == integrations.TypeString
}

// floatText keeps a YAML float as its text: no parameter is a float, and
// a string parameter keeps the digits as written.
type floatText string

func (r *reader) str(n *yaml.Node, what string) string {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		r.add(n, "%s must be a path or an ID, not %s", what, kindName(n))
		return ""
	}
	if n.Value == "" {
		r.add(n, "%s is empty; write a full path such as acme/web, or a numeric ID", what)
	}
	return n.Value
}

func (r *reader) strs(n *yaml.Node, what string) []string {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		r.add(n, "%s must be a list of globs, not %s", what, kindName(n))
		return nil
	}
	var out []string
	for _, item := range n.Content {
		if item.Kind != yaml.ScalarNode {
			r.add(item, "%s holds globs (strings), not %s", what, kindName(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

// kindName describes a node for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "nothing"
	case "!!bool":
		return "a boolean (" + n.Value + ")"
	case "!!int", "!!float":
		return "a number (" + n.Value + ")"
	}
	return strconv.Quote(n.Value)
}
