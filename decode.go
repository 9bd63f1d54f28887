package integrations

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

// decodeLenient decodes a JSON object into the struct v points to, accepting
// the shapes GitLab has sent over the years for the same field: booleans as
// true, "true", "1", 1 (and the false forms), integers as numbers or numeric
// strings, lists as arrays or comma-separated strings.
//
// The common case costs what encoding/json costs: the lenient path runs only
// when encoding/json reports a type mismatch.
func decodeLenient(data []byte, v any) error {
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

// fieldInfo is one JSON-named field of a struct, found through embedded
// structs as encoding/json finds it.
type fieldInfo struct {
	name  string
	index []int
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo

func jsonFields(t reflect.Type) []fieldInfo {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]fieldInfo)
	}
	var out []fieldInfo
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
			out = append(out, fieldInfo{name: name, index: idx})
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
	for _, f := range jsonFields(rv.Type()) {
		val, ok := raw[f.name]
		if !ok {
			continue
		}
		if err := decodeValueLenient(val, rv.FieldByIndex(f.index)); err != nil {
			return fmt.Errorf("field %q: %w", f.name, err)
		}
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

// decodeValueLenient decodes one JSON value into dst.
func decodeValueLenient(val json.RawMessage, dst reflect.Value) error {
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
			return fmt.Errorf("want a JSON object, got %s", describe(val))
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
	return false, fmt.Errorf("want a boolean, got %s", describe(val))
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
	return "", fmt.Errorf("want a string, got %s", describe(val))
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
	// 8080.0 is an integer too.
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
		return int64(f), nil
	}
	return 0, fmt.Errorf("want an integer, got %s", describe(val))
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
	return nil, fmt.Errorf("want a list, got %s", describe(val))
}

// describe names a JSON value for an error message without quoting all of it.
func describe(val []byte) string {
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
