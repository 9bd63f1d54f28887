package fastjson

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations/internal/jsonquote"
)

// The fast path of request encoding. A Set's body is an options struct of
// flat fields (strings, bools, integers, lists of strings, and pointers to
// them), which encoding/json encodes through a chain of reflective encoders
// and an intermediate buffer. Append writes the same bytes from a plan
// made once per type; any type it is not sure of (an embedded or
// field, a method that marshals, a tag option other than omitempty and
// omitzero, a field type it does not know) has no plan, and
// encoding/json encodes it.

// Append appends v, a non-nil pointer to a struct with a plan, as
// encoding/json with HTML escaping would encode it, and reports true; it
// reports false, appending nothing, for anything else.
func Append(dst []byte, v any) ([]byte, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return dst, false
	}
	p := encodePlanFor(rv.Type().Elem())
	if p == nil {
		return dst, false
	}
	return p.append(dst, rv.Elem()), true
}

type encodeField struct {
	index     int
	key       string // `"name":`
	kind      fieldKind
	pointer   bool
	omitEmpty bool
	omitZero  bool // the field's type has no IsZero method (no plan otherwise)
}

// plainKeyName reports whether name is written as it is in a JSON key, with
// nothing to escape.
func plainKeyName(name string) bool {
	for i := range len(name) {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return name != ""
}

// hasIsZero reports whether omitzero would call a method of t.
func hasIsZero(t reflect.Type) bool {
	_, ok := t.MethodByName("IsZero")
	_, okPtr := reflect.PointerTo(t).MethodByName("IsZero")
	return ok || okPtr
}

// encodePlan is how Append writes one struct type.
type encodePlan struct{ fields []encodeField }

var encodePlans = planCache[encodePlan]{build: buildEncodePlan}

func encodePlanFor(t reflect.Type) *encodePlan { return encodePlans.get(t) }

// CanEncode reports whether Append writes a pointer to t itself (t has a
// plan), rather than leaving it to encoding/json.
func CanEncode(t reflect.Type) bool { return encodePlanFor(t) != nil }

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// customEncoding reports whether encoding/json could call a method of t or
// of *t to encode a t.
func customEncoding(t reflect.Type) bool {
	for _, t := range []reflect.Type{t, reflect.PointerTo(t)} {
		if t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType) {
			return true
		}
	}
	return false
}

func buildEncodePlan(t reflect.Type) *encodePlan {
	if t.Kind() != reflect.Struct || customEncoding(t) {
		return nil
	}
	p := &encodePlan{}
	seen := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if sf.Anonymous {
			return nil // embedding has rules of its own
		}
		if !sf.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		f := encodeField{index: i, key: `"` + name + `":`}
		switch opts {
		case "":
		case "omitempty":
			f.omitEmpty = true
		case "omitzero":
			f.omitZero = true
		case "omitempty,omitzero", "omitzero,omitempty":
			f.omitEmpty, f.omitZero = true, true
		default:
			return nil
		}
		if !plainKeyName(name) || seen[name] || f.omitZero && hasIsZero(sf.Type) {
			return nil
		}
		seen[name] = true
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			if customEncoding(ft) {
				return nil
			}
			f.pointer, ft = true, ft.Elem()
		}
		if f.kind = plainKindOf(ft, customEncoding); f.kind == 0 {
			return nil
		}
		p.fields = append(p.fields, f)
	}
	return p
}

func (p *encodePlan) append(dst []byte, rv reflect.Value) []byte {
	dst = append(dst, '{')
	first := true
	for _, f := range p.fields {
		fv := rv.Field(f.index)
		if f.pointer {
			if fv.IsNil() {
				if f.omitEmpty || f.omitZero {
					continue
				}
				dst = appendKey(dst, f.key, &first)
				dst = append(dst, "null"...)
				continue
			}
			fv = fv.Elem()
		} else if f.omitEmpty && emptyValue(f.kind, fv) || f.omitZero && fv.IsZero() {
			continue
		}
		dst = appendKey(dst, f.key, &first)
		switch f.kind {
		case kindBool:
			dst = strconv.AppendBool(dst, fv.Bool())
		case kindString:
			dst = jsonquote.Append(dst, fv.String())
		case kindInt:
			dst = strconv.AppendInt(dst, fv.Int(), 10)
		case kindStrings:
			if fv.IsNil() {
				dst = append(dst, "null"...)
				continue
			}
			dst = append(dst, '[')
			for i := range fv.Len() {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = jsonquote.Append(dst, fv.Index(i).String())
			}
			dst = append(dst, ']')
		}
	}
	return append(dst, '}')
}

func appendKey(dst []byte, key string, first *bool) []byte {
	if !*first {
		dst = append(dst, ',')
	}
	*first = false
	return append(dst, key...)
}

// emptyValue is encoding/json's omitempty test for the kinds of a plan.
func emptyValue(k fieldKind, v reflect.Value) bool {
	switch k {
	case kindBool:
		return !v.Bool()
	case kindString:
		return v.Len() == 0
	case kindInt:
		return v.Int() == 0
	case kindStrings:
		return v.Len() == 0
	}
	return false
}
