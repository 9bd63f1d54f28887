package fleet

import (
	"errors"
	"iter"
	"sort"
	"strings"
)

// Unresolved is a reference that changes of a plan will send and that
// could not be resolved where the plan was made: an environment variable
// not set, a file that cannot be read. Apply resolves it again, and
// refuses to start while it cannot.
type Unresolved struct {
	// Reference is as the spec writes it: "${env:SLACK_WEBHOOK}".
	Reference string `json:"reference"`
	// Where is the spec's place that writes it ("fleet.yaml:6").
	Where string `json:"where"`
	// NeededBy names the changes that send it: "project:acme/web slack".
	NeededBy []string `json:"needed_by"`

	reason string // why it did not resolve, without any value
}

// need is what a change will resolve for one of its values.
type need struct {
	ref   segment
	param string
	where string
}

// needs lists every reference a change will send, in the order of its
// parameters; a disable sends nothing.
func (ch *Change) needs() []need {
	if ch.Action == NoOp || ch.Action == Disable {
		return nil
	}
	var out []need
	for _, name := range sortedKeys(ch.Send) {
		var strs []string
		switch v := ch.Send[name].(type) {
		case string:
			strs = []string{v}
		case []string:
			strs = v
		}
		where := ch.sentFrom[name]
		if where == "" {
			where = ch.Where
		}
		for _, s := range strs {
			if !strings.Contains(s, "${") {
				continue
			}
			segs, err := parseRefs(s)
			if err != nil {
				continue // Validate refused it already
			}
			for _, sg := range segs {
				if sg.kind != "" {
					out = append(out, need{ref: sg, param: name, where: where})
				}
			}
		}
	}
	return out
}

// refText writes a reference as a spec does.
func refText(sg segment) string { return "${" + sg.kind + ":" + sg.text + "}" }

// unresolved resolves every reference the changes will send and lists
// those that fail, each once per place in the spec, with the changes that
// need it. Values are only looked at, never kept or shown.
func unresolved(changes iter.Seq[*Change], res *resolver) []Unresolved {
	var out []Unresolved
	index := map[string]int{}
	for ch := range changes {
		by := "" // made for the changes that need one only
		for _, n := range ch.needs() {
			_, err := res.one(n.ref)
			if err == nil {
				continue
			}
			k := refText(n.ref) + "\x00" + n.where
			j, ok := index[k]
			if !ok {
				j = len(out)
				index[k] = j
				out = append(out, Unresolved{Reference: refText(n.ref), Where: n.where, reason: reasonOf(err)})
			}
			if by == "" {
				by = ch.scopeText() + " " + ch.Integration
			}
			if u := &out[j]; len(u.NeededBy) == 0 || u.NeededBy[len(u.NeededBy)-1] != by {
				u.NeededBy = append(u.NeededBy, by)
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		if la, lb := lineOf(out[a].Where), lineOf(out[b].Where); la != lb {
			return la < lb
		}
		return out[a].Reference < out[b].Reference
	})
	return out
}

// pointers yields a pointer to each of changes, in order.
func pointers(changes []Change) iter.Seq[*Change] {
	return func(yield func(*Change) bool) {
		for i := range changes {
			if !yield(&changes[i]) {
				return
			}
		}
	}
}

// reasonOf is a resolving error's text without its sentinel's words.
func reasonOf(err error) string {
	msg := err.Error()
	if errors.Is(err, errReference) {
		msg = strings.TrimPrefix(msg, errReference.Error()+": ")
	}
	return msg
}

// short says what a person must provide for the reference: the variable's
// name, or the file's path.
func (u Unresolved) short() string {
	if name, ok := strings.CutPrefix(u.Reference, "${env:"); ok {
		return strings.TrimSuffix(name, "}") + ", not set here"
	}
	if path, ok := strings.CutPrefix(u.Reference, "${file:"); ok {
		return "the file " + strings.TrimSuffix(path, "}") + ", not readable here"
	}
	return u.Reference + ", not resolvable here"
}
