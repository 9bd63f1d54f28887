package integrations

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseScope reads a scope written as "project:acme/web", "project:42",
// "group:acme/sub" or "group:7": the form MarshalText writes, and the one
// tools take on their command lines and in files. A path of digits only is
// a numeric ID, and IDs are above zero: "project:0" and "group:-1" are
// refused. A malformed string is an error matching ErrValidation.
func ParseScope(text string) (Scope, error) {
	kind, ref, ok := strings.Cut(text, ":")
	if !ok {
		return Scope{}, &ValidationError{Problems: []string{fmt.Sprintf(
			"scope %q: write it as project:PATH, project:ID, group:PATH or group:ID", text)}}
	}
	var s Scope
	switch kind {
	case "project":
	case "group":
		s.group = true
	default:
		return Scope{}, &ValidationError{Problems: []string{fmt.Sprintf(
			"scope %q: %q is neither project nor group (write project:acme/web or group:acme)", text, kind)}}
	}
	if digits, signed := strings.CutPrefix(ref, "-"); signed && digits != "" && strings.Trim(digits, "0123456789") == "" {
		// A negative ID, not a path: GitLab paths never start with "-".
		return Scope{}, &ValidationError{Problems: []string{fmt.Sprintf(
			"scope %q: %s IDs are above zero", text, kind)}}
	}
	if ref != "" && strings.Trim(ref, "0123456789") == "" {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			return Scope{}, &ValidationError{Problems: []string{fmt.Sprintf("scope %q: ID out of range", text)}}
		}
		if id == 0 {
			return Scope{}, &ValidationError{Problems: []string{fmt.Sprintf(
				"scope %q: %s IDs are above zero", text, kind)}}
		}
		s.id = id
	} else {
		s.path = ref
	}
	if err := s.validate(); err != nil {
		return Scope{}, fmt.Errorf("scope %q: %w", text, err)
	}
	return s, nil
}

// MarshalText writes the scope as ParseScope reads it: "project:acme/web",
// "group:7". The zero Scope is an error.
func (s Scope) MarshalText() ([]byte, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	kind := "project:"
	if s.group {
		kind = "group:"
	}
	if s.path != "" {
		return []byte(kind + s.path), nil
	}
	return strconv.AppendInt([]byte(kind), s.id, 10), nil
}

// UnmarshalText reads a scope as ParseScope does.
func (s *Scope) UnmarshalText(text []byte) error {
	parsed, err := ParseScope(string(text))
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}

// IsZero reports whether s is the zero Scope, which names nothing.
func (s Scope) IsZero() bool { return s == Scope{} }
