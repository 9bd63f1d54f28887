package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/gitlabkit/integrations"
)

// refPattern matches the references a value may hold: ${env:NAME} and
// ${file:PATH}, as in a fleet spec.
var refPattern = regexp.MustCompile(`\$\{(env|file):([^}]*)\}`)

// resolveValue reads a value given on the command line: "@PATH" is the
// content of a file (one trailing newline dropped), "@@…" a literal "@…",
// and ${env:NAME} and ${file:PATH} are replaced by an environment variable
// and a file's content. A secret thus never has to appear in the command
// line itself.
//
// TODO(lead): move to fleet: the ${env:NAME} / ${file:PATH} resolution of
// spec values, exported (say fleet.ResolveRefs(s, lookupEnv)), so that the
// CLI and specs resolve references one way.
func resolveValue(raw string, lookupEnv func(string) (string, bool)) (string, error) {
	if strings.HasPrefix(raw, "@@") {
		return raw[1:], nil
	}
	if path, ok := strings.CutPrefix(raw, "@"); ok {
		return readValueFile(path)
	}
	var firstErr error
	out := refPattern.ReplaceAllStringFunc(raw, func(ref string) string {
		m := refPattern.FindStringSubmatch(ref)
		switch m[1] {
		case "env":
			v, ok := lookupEnv(m[2])
			if !ok && firstErr == nil {
				firstErr = fmt.Errorf("${env:%s}: the environment variable %s is not set", m[2], m[2])
			}
			return v
		default:
			v, err := readValueFile(m[2])
			if err != nil && firstErr == nil {
				firstErr = err
			}
			return v
		}
	})
	if firstErr != nil {
		return "", firstErr
	}
	return out, nil
}

func readValueFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading a value from a file: %w", err)
	}
	s := strings.TrimSuffix(string(data), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// parseAssignments reads key=value arguments into Values. The values stay
// text: the by-slug layer reads "true", "42" and "a,b" as the catalog types
// the parameter.
func parseAssignments(args []string, lookupEnv func(string) (string, bool)) (integrations.Values, error) {
	v := integrations.Values{}
	var problems []string
	for _, a := range args {
		key, raw, ok := strings.Cut(a, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			problems = append(problems, fmt.Sprintf("%q: write parameters as key=value", redactArg(a)))
			continue
		}
		if _, dup := v[key]; dup {
			problems = append(problems, fmt.Sprintf("%s: given twice", key))
			continue
		}
		val, err := resolveValue(raw, lookupEnv)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", key, err))
			continue
		}
		v[key] = val
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return v, nil
}

// redactArg shortens an argument that is not key=value before it is quoted
// in an error, in case it is a secret pasted by mistake.
func redactArg(a string) string {
	if len(a) > 12 {
		return a[:4] + "…"
	}
	return a
}
