// Package redact hides secrets that a tool just sent from the text of the
// errors it shows: GitLab, or a proxy between, may quote a request's body
// in its answer, and the error that carries the answer must not carry the
// secret to a terminal or a log. Package fleet's Apply and the CLI's set
// and copy wrap their errors with Secrets.
package redact

import (
	"sort"
	"strings"
)

// Shown stands for a secret in an error's text.
const Shown = "(secret)"

// MinLength is the shortest value hidden: hiding "x" everywhere would hide
// nothing but garble the message.
const MinLength = 4

// Error hides its secrets from the text of the error it wraps; errors.Is
// and errors.As still see that error.
type Error struct {
	err     error
	secrets []string
}

// Secrets wraps err so that its text holds none of the values given (of at
// least MinLength bytes). It returns err itself when there is nothing to
// hide, and nil for a nil err.
func Secrets(err error, values []string) error {
	if err == nil {
		return nil
	}
	var list []string
	for _, s := range values {
		if len(s) >= MinLength {
			list = append(list, s)
		}
	}
	if len(list) == 0 {
		return err
	}
	// Longer first, so that a secret holding another is hidden whole.
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	return &Error{err: err, secrets: list}
}

// Error returns the wrapped error's text with every secret replaced by
// Shown.
func (e *Error) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		msg = strings.ReplaceAll(msg, s, Shown)
	}
	return msg
}

// Unwrap returns the error whose text is hidden.
func (e *Error) Unwrap() error { return e.err }
