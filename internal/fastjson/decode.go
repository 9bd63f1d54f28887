package fastjson

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gitlabkit/integrations/internal/lenient"
)

// The fast path of answer decoding. Decoding a Settings through
// encoding/json and the lenient rules (package lenient) reads the answer
// four times (validation and decoding by the outer json.Unmarshal, again by
// lenient.Decode, then the properties twice more) and runs the reflective
// lenient decoder whenever one property has an unexpected shape, as Jira's
// issues_enabled always has. A Decoder reads the answer once, field by
// field, and gets exactly what that path gets; whenever it cannot be sure of
// that (a key in other case, a duplicate key, an escaped key, a value it
// would have to reject, invalid JSON, a field type it does not know), it
// reports false and the caller takes the general path, which then produces
// the answer or the error.
//
// Why the two paths agree: lenient.Decode decodes an object with
// encoding/json, or, when encoding/json reports a type mismatch anywhere in
// the object, with the lenient rules for every field. For the field types
// the fast path accepts (bool, string, integers, []string, time.Time) and
// values encoding/json accepts, both rules give the same value; the two
// differ only on case-insensitive keys, duplicate keys and null inside a
// list, where the fast path gives up. So the fast path can apply, field by
// field, encoding/json's rule where it applies and the lenient rule
// (lenient.DecodeValue) where it does not.

// NewDecoder returns a Decoder for data, one JSON text. The strings it
// decodes share one copy of data's text (see Decoder.substring).
func NewDecoder(data []byte) Decoder { return Decoder{data: data, root: data} }

// DecodeList decodes data, a JSON array of objects, as json.Unmarshal into
// []T would if T had no methods, each element once by plan p, into one
// array of len(data's array) elements. It reports false, returning nil, for
// anything that is not an array of objects the fast path is sure of (a null
// element included).
func DecodeList[T any](data []byte, p *Plan) ([]T, bool) {
	if p == nil {
		return nil, false
	}
	d := NewDecoder(data)
	d.space()
	if d.peek() != '[' {
		return nil, false
	}
	n, ok := d.count()
	if !ok {
		return nil, false
	}
	items := make([]T, n)
	d.pos++ // [
	for i := range items {
		d.space()
		if i > 0 {
			if d.peek() != ',' {
				return nil, false
			}
			d.pos++
			d.space()
		}
		if _, ok := d.Object(p, reflect.ValueOf(&items[i]).Elem(), nil); !ok {
			return nil, false
		}
	}
	d.space()
	if d.peek() != ']' {
		return nil, false
	}
	d.pos++
	if !d.End() {
		return nil, false
	}
	return items, true
}

// count returns the number of elements of the array at d.pos, leaving d
// where it was (d is a copy), so that the list is allocated at its size.
func (d Decoder) count() (int, bool) {
	d.pos++ // [
	d.space()
	if d.peek() == ']' {
		return 0, true
	}
	for n := 1; ; n++ {
		d.space()
		if !d.skip(0) {
			return 0, false
		}
		d.space()
		if d.pos >= len(d.data) {
			return 0, false
		}
		c := d.data[d.pos]
		d.pos++
		switch c {
		case ',':
		case ']':
			return n, true
		default:
			return 0, false
		}
	}
}

// fieldKind is the kind of a field the fast decoder and the fast encoder
// handle.
type fieldKind uint8

const (
	kindBool fieldKind = iota + 1
	kindString
	kindInt
	kindStrings // a slice of a string kind
	kindTime    // time.Time, decoded only (it marshals itself)
)

type fastField struct {
	index []int
	kind  fieldKind
}

// Plan is how a Decoder decodes one struct type: its fields by JSON name. Types with more than 64 fields have no plan (a seen-set of one
// word is enough for every integration).
type Plan struct {
	fields []fastField
	names  []string // the fields' JSON names, by index
	byName map[string]int
	// after[i] is the field whose key followed field i's in the last
	// answer that did not follow the one before (after[len(fields)]: the
	// first key). A server writes its keys in one order, so this guess
	// finds a field with one comparison instead of a map lookup.
	after []atomic.Int32
}

// lookup returns the index of the field named key, which follows the field
// prev (len(p.fields) for the first key), or false for a key of no field.
func (p *Plan) lookup(prev int, key []byte) (int, bool) {
	guess := int(p.after[prev].Load())
	if guess < len(p.names) && p.names[guess] == string(key) {
		return guess, true
	}
	i, known := p.byName[string(key)]
	if known {
		p.after[prev].Store(int32(i))
	}
	return i, known
}

var fastPlans = planCache[Plan]{build: buildFastPlan}

// PlanFor returns the plan for the struct type t, made the first time t is
// seen, or nil when a Decoder cannot be sure of t: not a struct, a type
// with a method encoding/json would call, more than 64 fields, a field of a
// kind it does not handle, a tag option that changes decoding, a JSON name
// of other characters than a-z, 0-9 and _.
func PlanFor(t reflect.Type) *Plan { return fastPlans.get(t) }

var (
	timeType            = reflect.TypeFor[time.Time]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// customDecoding reports whether encoding/json would call a method of t.
func customDecoding(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshalerType) || t.Implements(textUnmarshalerType) ||
		p.Implements(jsonUnmarshalerType) || p.Implements(textUnmarshalerType)
}

func buildFastPlan(t reflect.Type) *Plan {
	if t.Kind() != reflect.Struct || customDecoding(t) {
		return nil
	}
	fields := lenient.Fields(t)
	if len(fields) > 64 {
		return nil
	}
	p := &Plan{byName: make(map[string]int, len(fields))}
	for _, f := range fields {
		sf := t.FieldByIndex(f.Index)
		// Only plain names (so that a key in other case is easy to spot)
		// and no tag option that changes decoding, such as ",string".
		if _, dup := p.byName[f.Name]; dup || !plainJSONName(f.Name) || !plainTagOptions(sf.Tag.Get("json")) {
			return nil
		}
		kind := fastKindOf(sf.Type)
		if kind == 0 {
			return nil
		}
		p.byName[f.Name] = len(p.fields)
		p.fields = append(p.fields, fastField{index: f.Index, kind: kind})
		p.names = append(p.names, f.Name)
	}
	p.after = make([]atomic.Int32, len(p.fields)+1)
	return p
}

func fastKindOf(t reflect.Type) fieldKind {
	if t == timeType {
		return kindTime
	}
	return plainKindOf(t, customDecoding)
}

// plainKindOf is the kind of a field of type t that encoding/json handles by
// its kind alone (custom reports a method it would call instead), or 0.
func plainKindOf(t reflect.Type, custom func(reflect.Type) bool) fieldKind {
	if custom(t) {
		return 0
	}
	switch t.Kind() {
	case reflect.Bool:
		return kindBool
	case reflect.String:
		return kindString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kindInt
	case reflect.Slice:
		if e := t.Elem(); e.Kind() == reflect.String && !custom(e) {
			return kindStrings
		}
	}
	return 0
}

func plainJSONName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return name != ""
}

func plainTagOptions(tag string) bool {
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			switch tag[i:] {
			case ",omitempty", ",omitzero", ",omitempty,omitzero", ",omitzero,omitempty":
				return true
			}
			return false
		}
	}
	return true
}

// Decoder reads one JSON text. Every method reports false on anything it
// does not accept, invalid JSON included; it never decides an error.
type Decoder struct {
	data []byte
	pos  int
	// root is the whole answer, data a part of it (the properties), and
	// text, once a string value needs it, root as a string: every string
	// value without escapes is then a substring of text, one allocation for
	// all of them instead of one each. The strings keep the whole answer's
	// text alive, a few kilobytes. Without a root each string is its own.
	root     []byte
	text     string
	haveText bool
}

// substring returns data[from:to] as a string, cut out of *text.
func (d *Decoder) substring(from, to int) string {
	if from == to {
		return ""
	}
	if d.root == nil {
		return string(d.data[from:to])
	}
	if !d.haveText {
		d.text, d.haveText = string(d.root), true
	}
	// data is root[off:]: a subslice keeps the end of root's capacity.
	off := cap(d.root) - cap(d.data)
	return d.text[off+from : off+to]
}

// maxFastDepth bounds the nesting of unknown values the fast path skips;
// deeper ones go to encoding/json, which has its own limit.
const maxFastDepth = 64

func (d *Decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// End reports whether only white space is left.
func (d *Decoder) End() bool {
	d.space()
	return d.pos == len(d.data)
}

func (d *Decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// Object decodes the object at the decoder's position into the struct rv,
// which must be settable and zero, by p, rv's type's plan. The value of the
// key nested.Key, when nested is not nil, is decoded into nested.Value by
// nested.Plan where it stands (it must be an object) and returned as it was
// read: a subslice of the decoder's data.
func (d *Decoder) Object(p *Plan, rv reflect.Value, nested *Nested) (raw []byte, ok bool) {
	d.space()
	if d.peek() != '{' {
		return nil, false
	}
	d.pos++
	d.space()
	if d.peek() == '}' {
		d.pos++
		return nil, true
	}
	rawKey := ""
	if nested != nil {
		rawKey = nested.Key
	}
	var seen uint64
	prev := len(p.fields)
	for {
		d.space()
		key, ok := d.plainKey()
		if !ok {
			return nil, false
		}
		d.space()
		if d.peek() != ':' {
			return nil, false
		}
		d.pos++
		d.space()
		if i, known := p.lookup(prev, key); known {
			if seen&(1<<i) != 0 {
				return nil, false
			}
			seen |= 1 << i
			prev = i
			if !d.field(p.fields[i], rv.FieldByIndex(p.fields[i].index)) {
				return nil, false
			}
		} else if rawKey != "" && string(key) == rawKey {
			if raw != nil {
				return nil, false
			}
			start := d.pos
			if _, ok := d.Object(nested.Plan, nested.Value, nil); !ok {
				return nil, false
			}
			raw = d.data[start:d.pos]
		} else {
			if foldsTo(key, p, rawKey) || !d.skip(0) {
				return nil, false
			}
		}
		d.space()
		if d.pos >= len(d.data) {
			return nil, false
		}
		c := d.data[d.pos]
		d.pos++
		switch c {
		case ',':
		case '}':
			return raw, true
		default:
			return nil, false
		}
	}
}

// Nested is an object-valued key that Object decodes where it stands and
// also returns undecoded: a Settings answer's properties.
type Nested struct {
	Key   string
	Plan  *Plan
	Value reflect.Value // settable and zero
}

// plainKey reads an object key made of printable ASCII without escapes.
func (d *Decoder) plainKey() ([]byte, bool) {
	if d.peek() != '"' {
		return nil, false
	}
	start := d.pos + 1
	if i := keyStop(d.data, start); i < len(d.data) && d.data[i] == '"' {
		d.pos = i + 1
		return d.data[start:i], true
	}
	return nil, false
}

// foldsTo reports whether encoding/json would match key, an unknown ASCII
// key, to a field or to rawKey without regard to case.
func foldsTo(key []byte, p *Plan, rawKey string) bool {
	var buf [64]byte
	upper := false
	for _, c := range key {
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return false
	}
	if len(key) > len(buf) {
		return true // too long to check cheaply: let encoding/json decide
	}
	lower := buf[:len(key)]
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	_, known := p.byName[string(lower)]
	return known || string(lower) == rawKey
}

// field decodes the value at d.pos into fv, a zero field of kind f.kind.
func (d *Decoder) field(f fastField, fv reflect.Value) bool {
	start := d.pos
	if d.literal("null") {
		return true // both rules leave a zero field zero
	}
	switch c := d.peek(); f.kind {
	case kindBool:
		if d.literal("true") {
			fv.SetBool(true)
			return true
		}
		if d.literal("false") {
			return true
		}
	case kindString:
		if c == '"' {
			s, ok := d.stringValue()
			if ok {
				fv.SetString(s)
			}
			return ok
		}
	case kindInt:
		if c == '-' || '0' <= c && c <= '9' {
			if !d.number() {
				return false
			}
			if n, ok := parseSmallInt(d.data[start:d.pos]); ok && !fv.OverflowInt(n) {
				fv.SetInt(n)
				return true
			}
			return d.lenient(start, fv, true)
		}
	case kindStrings:
		if c == '[' {
			return d.stringList(fv)
		}
	case kindTime:
		if !d.skip(0) {
			return false
		}
		return fv.Addr().Interface().(*time.Time).UnmarshalJSON(d.data[start:d.pos]) == nil
	}
	return d.lenient(start, fv, false)
}

// lenient decodes the value at start, which encoding/json would reject for
// fv's type, by the lenient rules. skipped says the value is already read.
func (d *Decoder) lenient(start int, fv reflect.Value, skipped bool) bool {
	if !skipped && !d.skip(0) {
		return false
	}
	return lenient.DecodeValue(d.data[start:d.pos], fv) == nil
}

func (d *Decoder) literal(lit string) bool {
	if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
		d.pos += len(lit)
		return true
	}
	return false
}

// stringValue reads a JSON string and returns its value.
func (d *Decoder) stringValue() (string, bool) {
	start := d.pos
	escaped, ok := d.skipString()
	if !ok {
		return "", false
	}
	content := d.data[start+1 : d.pos-1]
	if !escaped && utf8.Valid(content) {
		return d.substring(start+1, d.pos-1), true
	}
	// Escapes and invalid UTF-8 are rare: encoding/json decodes them.
	var s string
	if json.Unmarshal(d.data[start:d.pos], &s) != nil {
		return "", false
	}
	return s, true
}

// stringList decodes an array of strings into fv, a []string field.
// Anything else in the array (null included: the two rules differ on it)
// is left to the general path.
func (d *Decoder) stringList(fv reflect.Value) bool {
	d.pos++ // [
	// Most lists are short: collecting them on the stack costs nothing.
	var small [8]string
	list := small[:0]
	d.space()
	if d.peek() == ']' {
		d.pos++
		fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
		return true
	}
	for {
		d.space()
		if d.peek() != '"' {
			return false
		}
		s, ok := d.stringValue()
		if !ok {
			return false
		}
		list = append(list, s)
		d.space()
		if d.pos >= len(d.data) {
			return false
		}
		c := d.data[d.pos]
		d.pos++
		switch c {
		case ',':
		case ']':
			if dst, ok := fv.Addr().Interface().(*[]string); ok {
				// A plain []string: one allocation, where reflect's
				// MakeSlice makes two.
				*dst = append(make([]string, 0, len(list)), list...)
				return true
			}
			out := reflect.MakeSlice(fv.Type(), len(list), len(list))
			for i, s := range list {
				out.Index(i).SetString(s)
			}
			fv.Set(out)
			return true
		default:
			return false
		}
	}
}

// skip reads one JSON value of any kind, checking it as encoding/json would.
func (d *Decoder) skip(depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	switch c := d.peek(); {
	case c == '"':
		_, ok := d.skipString()
		return ok
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '[':
		d.pos++
		d.space()
		if d.peek() == ']' {
			d.pos++
			return true
		}
		for {
			d.space()
			if !d.skip(depth + 1) {
				return false
			}
			d.space()
			if d.pos >= len(d.data) {
				return false
			}
			c := d.data[d.pos]
			d.pos++
			switch c {
			case ',':
			case ']':
				return true
			default:
				return false
			}
		}
	case c == '{':
		d.pos++
		d.space()
		if d.peek() == '}' {
			d.pos++
			return true
		}
		for {
			d.space()
			if d.peek() != '"' {
				return false
			}
			if _, ok := d.skipString(); !ok {
				return false
			}
			d.space()
			if d.peek() != ':' {
				return false
			}
			d.pos++
			d.space()
			if !d.skip(depth + 1) {
				return false
			}
			d.space()
			if d.pos >= len(d.data) {
				return false
			}
			c := d.data[d.pos]
			d.pos++
			switch c {
			case ',':
			case '}':
				return true
			default:
				return false
			}
		}
	}
	return false
}

// skipString reads a JSON string at d.pos, reporting whether it holds an
// escape. It accepts what encoding/json's scanner accepts.
func (d *Decoder) skipString() (escaped, ok bool) {
	i := d.pos + 1
	for {
		i = stringStop(d.data, i)
		if i >= len(d.data) {
			return false, false
		}
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return escaped, true
		case c < 0x20:
			return false, false
		case c == '\\':
			escaped = true
			if i+1 >= len(d.data) {
				return false, false
			}
			switch d.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d.data) {
					return false, false
				}
				for _, h := range d.data[i+2 : i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false, false
					}
				}
				i += 6
			default:
				return false, false
			}
		}
	}
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *Decoder) number() bool {
	i := d.pos
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	switch {
	case i < len(d.data) && d.data[i] == '0':
		i++
	case i < len(d.data) && '1' <= d.data[i] && d.data[i] <= '9':
		i = digits(d.data, i)
	default:
		return false
	}
	if i < len(d.data) && d.data[i] == '.' {
		j := digits(d.data, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		j := digits(d.data, i)
		if j == i {
			return false
		}
		i = j
	}
	d.pos = i
	return true
}

func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// parseSmallInt parses a JSON integer of at most 18 digits, which cannot
// overflow an int64; anything else is left to the lenient rules.
func parseSmallInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
