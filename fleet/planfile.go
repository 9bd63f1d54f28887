package fleet

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"unsafe"

	"github.com/gitlabkit/integrations"
)

// ReadPlan reads a plan saved as JSON (as json.Marshal or Plan.WriteJSON
// writes a *Plan), to Apply later. It decodes one change at a time, and
// changes that hold the same fields, values or notes share one copy
// (read them; copy them to change them). A saved plan holds no secret value: secrets are references,
// resolved when Apply sends them, and Apply first checks that each
// integration's updated_at did not move since the plan was made.
func ReadPlan(r io.Reader) (*Plan, error) {
	var p Plan
	if err := readPlanStream(r, &p); err != nil {
		return nil, fmt.Errorf("fleet: read plan: %w", err)
	}
	if p.Version != 1 {
		return nil, fmt.Errorf("fleet: read plan: %w: version %d is not known (want 1)", integrations.ErrValidation, p.Version)
	}
	var probs []string
	// The changes of one target share their Send map: normalised once.
	normalised := map[unsafe.Pointer]bool{}
	for i := range p.Changes {
		ch := &p.Changes[i]
		info, ok := lookupInfo(ch.Integration)
		if !ok {
			probs = append(probs, fmt.Sprintf("change %d: unknown integration %q", i, ch.Integration))
			continue
		}
		if ch.Scope.IsZero() {
			probs = append(probs, fmt.Sprintf("change %d: no scope", i))
		}
		switch ch.Action {
		case Create, Update, Disable, InheritAction, NoOp:
		default:
			probs = append(probs, fmt.Sprintf("change %d: unknown action %q", i, ch.Action))
		}
		if m := reflect.ValueOf(ch.Send).UnsafePointer(); m != nil {
			if normalised[m] {
				continue
			}
			normalised[m] = true
		}
		for name, v := range ch.Send {
			pi, ok := info.Parameter(name)
			if !ok {
				probs = append(probs, fmt.Sprintf("change %d: %s has no parameter %q", i, ch.Integration, name))
				continue
			}
			nv, msg := normalise(pi, fromJSON(v))
			if msg != "" {
				probs = append(probs, fmt.Sprintf("change %d: %s.%s: %s", i, ch.Integration, name, msg))
				continue
			}
			ch.Send[name] = nv
		}
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("fleet: read plan: %w: %s", integrations.ErrValidation, joinLines(probs))
	}
	p.saved = true
	p.count()
	return &p, nil
}

// fromJSON turns what encoding/json decoded into spec values.
func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		return floatText(x.String())
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return v
			}
			out = append(out, s)
		}
		return out
	}
	return v
}

func joinLines(s []string) string {
	out := ""
	for i, l := range s {
		if i > 0 {
			out += "; "
		}
		out += l
	}
	return out
}
