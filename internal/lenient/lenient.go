// Package lenient decodes GitLab's answers by the rules the SDK has always
// applied to them: a field may come in any of the shapes GitLab has sent for
// it over the years (booleans as true, "true", "1", 1 and their false forms;
// integers as numbers or numeric strings, read exactly; lists as arrays or
// comma-separated strings; an empty date as no date).
//
// It promises that a JSON object encoding/json decodes without a type
// mismatch is decoded exactly as encoding/json decodes it (Decode is
// json.Unmarshal then), and that any other value either decodes by the
// lenient rules or is an error naming the field and the shape it had.
//
// The root package decodes every Settings and Integration answer through
// Decode; package fastjson's decoder applies DecodeValue to the single
// fields encoding/json would reject, and finds fields with Fields, so that
// both paths give the same values.
package lenient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Decode decodes a JSON object into the struct v points to, accepting
// the shapes GitLab has sent over the years for the same field: booleans as
// true, "true", "1", 1 (and the false forms), integers as numbers or numeric
// strings, lists as arrays or comma-separated strings.
//
// The common case costs what encoding/json costs: the lenient path runs only
// when encoding/json reports a type mismatch.
func Decode(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var typeErr *json.UnmarshalTypeError
	var timeErr *time.ParseError // an empty date, which the lenient path allows
	if err == nil || !(errors.As(err, &typeErr) || errors.As(err, &timeErr)) {
		return err
	}
	rv := reflect.ValueOf(v).Elem()
	rv.SetZero()
	return decodeObjectLenient(data, rv)
}

// Field is one JSON-named field of a struct, found through embedded
// structs as encoding/json finds it.
type Field struct {
	Name  string
	Index []int // the field's index path, for reflect.Value.FieldByIndex
}

var fieldCache sync.Map // reflect.Type -> []Field

// Fields returns the JSON-named fields of the struct type t, computed once
// per type. The slice is shared: callers must not change it.
func Fields(t reflect.Type) []Field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]Field)
	}
	var out []Field
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			idx := append(append([]int(nil), index...), i)
			tag := sf.Tag.Get("json")
			if sf.Anonymous && tag == "" && sf.Type.Kind() == reflect.Struct {
				walk(sf.Type, idx)
				continue
			}
			if !sf.IsExported() || tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if name == "" {
				name = sf.Name
			}
			out = append(out, Field{Name: name, Index: idx})
		}
	}
	walk(t, nil)
	fieldCache.Store(t, out)
	return out
}

func decodeObjectLenient(data []byte, rv reflect.Value) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	for _, f := range Fields(rv.Type()) {
		val, ok := raw[f.Name]
		if !ok {
			continue
		}
		if err := DecodeValue(val, rv.FieldByIndex(f.Index)); err != nil {
			return fmt.Errorf("field %q: %w", f.Name, err)
		}
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

// DecodeValue decodes one JSON value into dst, which must be settable, by
// the lenient rules.
func DecodeValue(val json.RawMessage, dst reflect.Value) error {
	val = bytes.TrimSpace(val)
	if string(val) == "null" {
		dst.SetZero()
		return nil
	}
	if dst.Type() == timeType || dst.Kind() == reflect.Map || dst.Kind() == reflect.Interface {
		if dst.Type() == timeType && string(val) == `""` {
			return nil
		}
		return json.Unmarshal(val, dst.Addr().Interface())
	}
	switch dst.Kind() {
	case reflect.Bool:
		b, err := lenientBool(val)
		if err != nil {
			return err
		}
		dst.SetBool(b)
	case reflect.String:
		s, err := lenientString(val)
		if err != nil {
			return err
		}
		dst.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := lenientInt(val)
		if err != nil {
			return err
		}
		if dst.OverflowInt(n) {
			return fmt.Errorf("%d overflows %s", n, dst.Type())
		}
		dst.SetInt(n)
	case reflect.Slice:
		if dst.Type().Elem().Kind() != reflect.String {
			return json.Unmarshal(val, dst.Addr().Interface())
		}
		list, err := lenientStrings(val)
		if err != nil {
			return err
		}
		s := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, x := range list {
			s.Index(i).SetString(x)
		}
		dst.Set(s)
	case reflect.Struct:
		if len(val) == 0 || val[0] != '{' {
			return fmt.Errorf("want a JSON object, got %s", Describe(val))
		}
		return decodeObjectLenient(val, dst)
	default:
		return json.Unmarshal(val, dst.Addr().Interface())
	}
	return nil
}

func lenientBool(val []byte) (bool, error) {
	s := string(val)
	if len(val) > 0 && val[0] == '"' {
		if err := json.Unmarshal(val, &s); err != nil {
			return false, err
		}
		s = strings.ToLower(strings.TrimSpace(s))
	}
	switch s {
	case "true", "1", "t", "yes", "on":
		return true, nil
	case "false", "0", "f", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("want a boolean, got %s", Describe(val))
}

func lenientString(val []byte) (string, error) {
	switch {
	case len(val) > 0 && val[0] == '"':
		var s string
		err := json.Unmarshal(val, &s)
		return s, err
	case string(val) == "true" || string(val) == "false":
		return string(val), nil
	case len(val) > 0 && (val[0] == '-' || ('0' <= val[0] && val[0] <= '9')):
		var n json.Number
		if err := json.Unmarshal(val, &n); err != nil {
			return "", err
		}
		return n.String(), nil
	}
	return "", fmt.Errorf("want a string, got %s", Describe(val))
}

func lenientInt(val []byte) (int64, error) {
	s := string(val)
	if len(val) > 0 && val[0] == '"' {
		if err := json.Unmarshal(val, &s); err != nil {
			return 0, err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	// 8080.0 and 8.08e3 are integers too, read exactly: through a float64,
	// 12345678901234567.0 would become …568 and -9223372036854775809 the
	// smallest int64.
	n, err := exactInt(s)
	if err != nil {
		return 0, fmt.Errorf("want an integer, got %s: %w", Describe(val), err)
	}
	return n, nil
}

// errNotWhole and errOutOfRange say why exactInt refused a number.
var (
	errNotWhole   = errors.New("not a whole number")
	errOutOfRange = errors.New("out of the int64 range")
)

// exactInt reads a JSON number (sign, digits, fraction, exponent) that is a
// whole number within the int64 range, without rounding. It works on the
// digits, so an exponent of any size costs nothing.
func exactInt(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	rest := strings.TrimPrefix(s, "-")
	mant, expPart, hasExp := strings.Cut(strings.ToLower(rest), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) || (hasExp && expPart == "") {
		return 0, errNotWhole
	}
	exp := 0
	if hasExp {
		es := strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(expPart, "+"), "-"), "0")
		if !allDigits(strings.TrimPrefix(strings.TrimPrefix(expPart, "+"), "-")) {
			return 0, errNotWhole
		}
		if len(es) > 4 {
			es = "9999" // beyond any int64 either way
		}
		exp, _ = strconv.Atoi("0" + es)
		if strings.HasPrefix(expPart, "-") {
			exp = -exp
		}
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= len(frac)
	if digits == "" {
		return 0, nil // zero, whatever the exponent
	}
	if exp < 0 {
		// The last -exp digits are the fraction: they must all be zero.
		cut := len(digits) + exp
		if cut <= 0 || strings.Trim(digits[max(cut, 0):], "0") != "" {
			return 0, errNotWhole
		}
		digits = digits[:cut]
	} else if len(digits)+exp > 19 {
		return 0, errOutOfRange
	} else {
		digits += strings.Repeat("0", exp)
	}
	if neg {
		digits = "-" + digits
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, errOutOfRange
	}
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func lenientStrings(val []byte) ([]string, error) {
	switch {
	case len(val) > 0 && val[0] == '[':
		var raw []json.RawMessage
		if err := json.Unmarshal(val, &raw); err != nil {
			return nil, err
		}
		out := make([]string, 0, len(raw))
		for _, r := range raw {
			s, err := lenientString(r)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	case len(val) > 0 && val[0] == '"':
		var s string
		if err := json.Unmarshal(val, &s); err != nil {
			return nil, err
		}
		var out []string
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list, got %s", Describe(val))
}

// Describe names a JSON value for an error message without quoting all of it.
func Describe(val []byte) string {
	const max = 40
	s := string(val)
	if len(s) > max {
		s = s[:max] + "…"
	}
	switch {
	case len(val) == 0:
		return "nothing"
	case val[0] == '{':
		return "an object " + s
	case val[0] == '[':
		return "an array " + s
	case val[0] == '"':
		return "the string " + s
	}
	return s
}
