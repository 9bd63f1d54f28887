package main

import (
	"sort"
	"strings"

	"github.com/gitlabkit/integrations"
)

// secretShown stands for a secret in an error.
const secretShown = "(secret)"

// redactedError hides the secrets a command just sent from an error's
// text, in case GitLab's answer (or a proxy's) quoted one, as fleet's
// apply does. errors.Is and errors.As still see the error it wraps.
type redactedError struct {
	err     error
	secrets []string
}

// redactSent wraps err so that its text holds none of the values sent for
// the parameters the catalog calls secret (of at least 4 characters:
// hiding "x" everywhere would hide nothing but garble the message).
func redactSent(err error, info integrations.IntegrationInfo, sent integrations.Values) error {
	if err == nil {
		return nil
	}
	var list []string
	for name, v := range sent {
		p, ok := info.Parameter(name)
		if s, isText := v.(string); ok && p.Secret && isText && len(s) >= 4 {
			list = append(list, s)
		}
	}
	if len(list) == 0 {
		return err
	}
	// Longer first, so that a secret holding another is hidden whole.
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	return &redactedError{err: err, secrets: list}
}

func (e *redactedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		msg = strings.ReplaceAll(msg, s, secretShown)
	}
	return msg
}

func (e *redactedError) Unwrap() error { return e.err }
