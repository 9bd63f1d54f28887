package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/internal/readfile"
)

// refPattern matches the references a value may hold: ${env:NAME} and
// ${file:PATH}, as in a fleet spec.
var refPattern = regexp.MustCompile(`\$\{(env|file):([^}]*)\}`)

// resolveValue reads a value given on the command line: "@FILE" is the
// file's content ("@@" a literal "@"), and the references ${env:NAME} and
// ${file:PATH} are resolved as package fleet resolves a spec's.
func resolveValue(raw string, lookupEnv func(string) (string, bool)) (string, error) {
	if strings.HasPrefix(raw, "@@") {
		return raw[1:], nil
	}
	if path, ok := strings.CutPrefix(raw, "@"); ok {
		return readValueFile(path)
	}
	return fleet.ResolveRefs(raw, lookupEnv)
}

func readValueFile(path string) (string, error) {
	// A regular file of at most 64 KiB, as ${file:} reads: a FIFO would
	// hold the tool, /dev/zero fill its memory.
	data, err := readfile.Regular(path, fleet.MaxFileRef)
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
