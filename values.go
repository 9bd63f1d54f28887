package integrations

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// coerceValue turns a value a user gave for parameter p into the JSON type
// GitLab expects, accepting the forms people type: "true", "1" and "yes"
// for a boolean, "42" or a whole float for an integer, "a,b" or a list of
// any strings for a list. It says what was wrong when it cannot.
func coerceValue(p *ParameterInfo, v any) (any, error) {
	switch p.Type {
	case TypeBoolean:
		return coerceBool(v)
	case TypeInteger:
		return coerceInt(v)
	case TypeStringList:
		return coerceStringList(v)
	default:
		return coerceString(v)
	}
}

func coerceBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1", "yes", "on", "t":
			return true, nil
		case "false", "0", "no", "off", "f":
			return false, nil
		}
		return false, fmt.Errorf("want a boolean, got %q (write true or false)", x)
	case json.Number:
		return coerceBool(string(x))
	}
	if n, ok := wholeNumber(v); ok && (n == 0 || n == 1) {
		return n == 1, nil
	}
	return false, fmt.Errorf("want a boolean, got %s", describeValue(v))
}

func coerceInt(v any) (int64, error) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("want an integer, got %q", x)
		}
		return n, nil
	case json.Number:
		return coerceInt(string(x))
	case bool:
		return 0, fmt.Errorf("want an integer, got %v", x)
	}
	if n, ok := wholeNumber(v); ok {
		return n, nil
	}
	return 0, fmt.Errorf("want an integer, got %s", describeValue(v))
}

// wholeNumber returns v as an int64 when it is a Go number holding a whole
// value within int64's range.
func wholeNumber(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint:
		return int64(x), uint64(x) <= math.MaxInt64
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), x <= math.MaxInt64
	case float32:
		return wholeFloat(float64(x))
	case float64:
		return wholeFloat(x)
	}
	return 0, false
}

func wholeFloat(f float64) (int64, bool) {
	// 2^63 is the first float64 above MaxInt64; below -2^63 is out too.
	if f != math.Trunc(f) || f >= 1<<63 || f < -(1<<63) {
		return 0, false
	}
	return int64(f), true
}

func coerceString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return string(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	if n, ok := wholeNumber(v); ok {
		return strconv.FormatInt(n, 10), nil
	}
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	}
	return "", fmt.Errorf("want a string, got %s", describeValue(v))
}

func coerceStringList(v any) ([]string, error) {
	switch x := v.(type) {
	case []string:
		return append([]string{}, x...), nil
	case string:
		out := []string{}
		for _, part := range strings.Split(x, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		return out, nil
	case []any:
		out := make([]string, 0, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want a list of strings, entry %d is %s", i, describeValue(e))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list of strings, got %s", describeValue(v))
}

// describeValue names a value's kind for an error, without its content for
// anything that may be long or secret.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return strconv.FormatBool(x)
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	if n, ok := wholeNumber(v); ok {
		return strconv.FormatInt(n, 10)
	}
	switch v.(type) {
	case float32, float64:
		return fmt.Sprintf("%v (not a whole number)", v)
	}
	return fmt.Sprintf("a %T", v)
}
