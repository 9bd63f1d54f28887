package fleet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/gitlabkit/integrations"
)

// WriteJSON writes the plan as json.Marshal does, one change at a time,
// so that a plan of 300,000 changes is never held whole as JSON.
func (p *Plan) WriteJSON(w io.Writer) error {
	if p == nil {
		return fmt.Errorf("fleet: write plan: %w: nil plan", integrations.ErrValidation)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `{"version":%d,"changes":`, p.Version)
	if p.Changes == nil {
		bw.WriteString("null")
	} else {
		bw.WriteByte('[')
		for i := range p.Changes {
			if i > 0 {
				bw.WriteByte(',')
			}
			data, err := json.Marshal(&p.Changes[i])
			if err != nil {
				return fmt.Errorf("fleet: write plan: change %d: %w", i, err)
			}
			bw.Write(data)
		}
		bw.WriteByte(']')
	}
	rest, err := json.Marshal(struct {
		Summary    Summary      `json:"summary"`
		Unresolved []Unresolved `json:"unresolved,omitempty"`
	}{p.Summary, p.Unresolved})
	if err != nil {
		return fmt.Errorf("fleet: write plan: %w", err)
	}
	bw.WriteByte(',')
	bw.Write(rest[1:])
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fleet: write plan: %w", err)
	}
	return nil
}

// changeWire is a Change as a plan file holds it, its lists and values
// left as JSON so that identical ones decode once (see planReader).
type changeWire struct {
	Scope       integrations.Scope `json:"scope"`
	Integration string             `json:"integration"`
	Action      Action             `json:"action"`
	Fields      json.RawMessage    `json:"fields"`
	Notes       json.RawMessage    `json:"notes"`
	UpdatedAt   time.Time          `json:"updated_at"`
	Send        json.RawMessage    `json:"send"`
	Where       string             `json:"where"`
	Withheld    []string           `json:"withheld"`
}

// planReader decodes a plan file one change at a time, sharing what
// repeats: the changes of one target hold the same fields, values, notes,
// slug and spec line, decoded once each.
type planReader struct {
	dec     *json.Decoder
	strings map[string]string
	fields  map[string][]FieldChange
	notes   map[string][]string
	sends   map[string]map[string]any
}

// readPlanStream reads a plan into p, streaming its changes.
func readPlanStream(r io.Reader, p *Plan) error {
	pr := &planReader{dec: json.NewDecoder(r), strings: map[string]string{}, fields: map[string][]FieldChange{},
		notes: map[string][]string{}, sends: map[string]map[string]any{}}
	pr.dec.UseNumber()
	if err := pr.delim('{'); err != nil {
		return err
	}
	for pr.dec.More() {
		tok, err := pr.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch key {
		case "changes":
			if err := pr.changes(p); err != nil {
				return err
			}
		case "version":
			err = pr.dec.Decode(&p.Version)
		case "summary":
			err = pr.dec.Decode(&p.Summary)
		case "unresolved":
			err = pr.dec.Decode(&p.Unresolved)
		default:
			var skip json.RawMessage
			err = pr.dec.Decode(&skip)
		}
		if err != nil {
			return err
		}
	}
	return pr.delim('}')
}

func (pr *planReader) delim(want json.Delim) error {
	tok, err := pr.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %v, found %v", want, tok)
	}
	return nil
}

// changes reads the list of changes (or null).
func (pr *planReader) changes(p *Plan) error {
	tok, err := pr.dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		p.Changes = nil
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("changes: want a list, found %v", tok)
	}
	p.Changes = []Change{}
	for pr.dec.More() {
		var w changeWire
		if err := pr.dec.Decode(&w); err != nil {
			return fmt.Errorf("change %d: %w", len(p.Changes), err)
		}
		ch := Change{Scope: w.Scope, Integration: pr.intern(w.Integration), Action: Action(pr.intern(string(w.Action))),
			UpdatedAt: w.UpdatedAt, Where: pr.intern(w.Where), Withheld: w.Withheld}
		if err := decodeShared(pr.fields, w.Fields, &ch.Fields); err != nil {
			return fmt.Errorf("change %d: fields: %w", len(p.Changes), err)
		}
		if err := decodeShared(pr.notes, w.Notes, &ch.Notes); err != nil {
			return fmt.Errorf("change %d: notes: %w", len(p.Changes), err)
		}
		// Send is shared per integration: ReadPlan normalises it once.
		key := ch.Integration + "\x00" + string(w.Send)
		if err := decodeShared(pr.sends, json.RawMessage(key), &ch.Send, len(ch.Integration)+1); err != nil {
			return fmt.Errorf("change %d: send: %w", len(p.Changes), err)
		}
		p.Changes = append(p.Changes, ch)
	}
	return pr.delim(']')
}

// intern returns one copy of each distinct string.
func (pr *planReader) intern(s string) string {
	if v, ok := pr.strings[s]; ok {
		return v
	}
	pr.strings[s] = s
	return s
}

// decodeShared decodes raw (past skip bytes of key) into dst, or hands out
// the value an identical raw decoded to before.
func decodeShared[T any](cache map[string]T, raw json.RawMessage, dst *T, skip ...int) error {
	body := raw
	if len(skip) > 0 {
		body = raw[skip[0]:]
	}
	if len(body) == 0 || string(body) == "null" {
		return nil
	}
	if v, ok := cache[string(raw)]; ok {
		*dst = v
		return nil
	}
	var v T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	cache[string(raw)] = v
	*dst = v
	return nil
}
