package fleet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/gitlabkit/integrations/internal/readfile"
)

// A string value may hold references, resolved only when the value must be
// sent to GitLab (or compared with a recorded fingerprint):
//
//	${env:NAME}  the environment variable NAME (letters, digits, "_")
//	${file:PATH} the content of the file at PATH (relative to the working
//	             directory), one trailing newline removed
//	$${          a literal "${"
//
// A string may mix text and references: "Bearer ${env:TOKEN}".

// MaxFileRef is the most ${file:PATH} reads: no secret or value is
// larger, and a bound keeps /dev/zero or a huge file from filling memory.
// The file must be a regular file (not a FIFO, device or directory),
// refused before it is opened or read.
const MaxFileRef = 64 << 10

// errReference is wrapped by every failure to resolve a reference.
var errReference = errors.New("reference cannot be resolved")

// segment is a piece of a string value: literal text, or a reference.
type segment struct {
	text string // literal text, or the env name or file path
	kind string // "", "env" or "file"
}

// parseRefs splits s into literal text and references, or says what is
// wrong with a "${" that is not a reference.
func parseRefs(s string) ([]segment, error) {
	var out []segment
	var lit strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			lit.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			lit.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf("%q opens a reference that never closes: write ${env:NAME} or ${file:PATH} (or $${ for a literal ${)", s[i:])
		}
		body := s[i+2 : i+end]
		kind, arg, _ := strings.Cut(body, ":")
		switch {
		case kind == "env" && validEnvName(arg):
		case kind == "env":
			return nil, fmt.Errorf("${%s}: an environment variable name has letters, digits and \"_\", and does not start with a digit", body)
		case kind == "file" && arg != "":
		case kind == "file":
			return nil, fmt.Errorf("${file:} names no file: write ${file:PATH}")
		default:
			return nil, fmt.Errorf("${%s} is not a reference: write ${env:NAME} or ${file:PATH} (or $${ for a literal ${)", body)
		}
		if lit.Len() > 0 {
			out = append(out, segment{text: lit.String()})
			lit.Reset()
		}
		out = append(out, segment{kind: kind, text: arg})
		i += end + 1
	}
	if lit.Len() > 0 || len(out) == 0 {
		out = append(out, segment{text: lit.String()})
	}
	return out, nil
}

func validEnvName(s string) bool {
	if s == "" || ('0' <= s[0] && s[0] <= '9') {
		return false
	}
	for _, c := range s {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// hasRefs reports whether v is a string holding at least one reference.
func hasRefs(v any) bool {
	s, ok := v.(string)
	if !ok || !strings.Contains(s, "${") {
		return false
	}
	segs, err := parseRefs(s)
	if err != nil {
		return false
	}
	for _, sg := range segs {
		if sg.kind != "" {
			return true
		}
	}
	return false
}

// hasEscapes reports whether v is a string, or a list of strings, holding
// "$${" (a literal "${", as Export writes GitLab's text): it compares
// with GitLab's value only once resolved.
func hasEscapes(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, "$${")
	case []string:
		return slices.ContainsFunc(x, func(s string) bool { return strings.Contains(s, "$${") })
	}
	return false
}

// resolver resolves references, each at most once per plan or apply.
type resolver struct {
	lookupEnv func(string) (string, bool)
	mu        sync.Mutex
	cache     map[string]string
}

func newResolver(lookupEnv func(string) (string, bool)) *resolver {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	return &resolver{lookupEnv: lookupEnv, cache: map[string]string{}}
}

// value resolves the references of a value; values that are not strings
// are returned as they are. An error names the reference, never a value.
func (r *resolver) value(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return r.str(x)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			var err error
			if out[i], err = r.str(s); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

func (r *resolver) str(s string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	segs, err := parseRefs(s)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errReference, err)
	}
	var b strings.Builder
	for _, sg := range segs {
		if sg.kind == "" {
			b.WriteString(sg.text)
			continue
		}
		v, err := r.one(sg)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

func (r *resolver) one(sg segment) (string, error) {
	k := sg.kind + ":" + sg.text
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.cache[k]; ok {
		return v, nil
	}
	var v string
	switch sg.kind {
	case "env":
		val, ok := r.lookupEnv(sg.text)
		if !ok {
			return "", fmt.Errorf("%w: ${env:%s}: the environment variable %s is not set", errReference, sg.text, sg.text)
		}
		v = val
	case "file":
		data, err := readfile.Regular(sg.text, MaxFileRef)
		if err != nil {
			// The path is the user's own; the error never holds content.
			// An open or stat error names the path again: say only why.
			var pe *fs.PathError
			if errors.As(err, &pe) && pe.Path == sg.text {
				err = pe.Err
			}
			return "", fmt.Errorf("%w: ${file:%s}: %w", errReference, sg.text, err)
		}
		v = strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
	}
	r.cache[k] = v
	return v, nil
}

// ResolveRefs replaces the references in s, ${env:NAME} and ${file:PATH}
// ($${ for a literal "${"), with their values, as Apply does for a spec's
// values; lookupEnv nil means os.LookupEnv. An error names the reference
// that cannot be resolved, never a value.
func ResolveRefs(s string, lookupEnv func(string) (string, bool)) (string, error) {
	v, err := newResolver(lookupEnv).str(s)
	if err != nil {
		return "", fmt.Errorf("fleet: %w", err)
	}
	return v, nil
}
