package fleet

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
)

// SpecError lists every problem found in a spec, each naming its place
// ("fleet.yaml:12") and what would be right. It matches
// integrations.ErrValidation; nothing was sent to GitLab.
type SpecError struct {
	// Problems holds one entry per problem, in the order of the spec: the
	// first MaxProblems of them. A problem of a YAML node that several
	// aliases (*name) share is reported once.
	Problems []Problem
	// More counts the problems found beyond Problems.
	More int
}

// MaxProblems is the most problems a SpecError lists; More counts the
// others, so that a spec with thousands of mistakes gives a page to read,
// not megabytes.
const MaxProblems = 20

// Problem is one thing wrong in a spec.
type Problem struct {
	// Where is "file:line" for a spec read from YAML, or the place in the
	// Go structure ("targets[2].integrations.slack.channel").
	Where string
	// Message says what is wrong and what would be right.
	Message string

	cause error // what GitLab answered, when it told of the problem
}

// Error prints one problem a line, each as "file:line: message".
func (e *SpecError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Where + ": " + p.Message
	}
	if e.More > 0 {
		lines = append(lines, fmt.Sprintf("… and %s more problem%s", thousands(e.More), plural(e.More, "", "s")))
	}
	return strings.Join(lines, "\n")
}

// Is makes errors.Is(err, integrations.ErrValidation) true.
func (e *SpecError) Is(target error) bool { return target == integrations.ErrValidation }

// Unwrap returns the errors GitLab answered for the problems it told of
// (a project that does not exist matches integrations.ErrProjectNotFound).
func (e *SpecError) Unwrap() []error {
	var out []error
	for _, p := range e.Problems {
		if p.cause != nil {
			out = append(out, p.cause)
		}
	}
	return out
}

// problemList collects problems before they become a SpecError.
type problemList []Problem

func (p *problemList) add(file string, line int, format string, args ...any) {
	where := file
	if where == "" {
		where = "spec"
	}
	if line > 0 {
		where = fmt.Sprintf("%s:%d", where, line)
	}
	*p = append(*p, Problem{Where: where, Message: fmt.Sprintf(format, args...)})
}

func (p *problemList) addAt(where, format string, args ...any) {
	*p = append(*p, Problem{Where: where, Message: fmt.Sprintf(format, args...)})
}

// err returns the problems as a SpecError, each said once (a node shared
// by aliases is read once per alias), the first MaxProblems of them.
func (p problemList) err() error {
	if len(p) == 0 {
		return nil
	}
	seen := make(map[Problem]bool, len(p))
	out := make([]Problem, 0, min(len(p), MaxProblems))
	more := 0
	for _, pr := range p {
		if seen[pr] {
			continue
		}
		seen[pr] = true
		if len(out) == MaxProblems {
			more++
			continue
		}
		out = append(out, pr)
	}
	return &SpecError{Problems: out, More: more}
}

// thousands writes n with commas: 9,990.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// with joins what reading a document found with what validating it found
// (a *SpecError, or nil), in line order: the error to return, or nil when
// neither found anything.
func (p problemList) with(validated error) error {
	more := 0
	var se *SpecError
	if errors.As(validated, &se) {
		p = append(p, se.Problems...)
		more = se.More
	}
	if len(p) == 0 {
		return nil
	}
	sort.SliceStable(p, func(a, b int) bool { return lineOf(p[a].Where) < lineOf(p[b].Where) })
	err := p.err()
	err.(*SpecError).More += more
	return err
}
