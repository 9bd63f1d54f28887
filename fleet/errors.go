package fleet

import (
	"fmt"
	"strings"

	"github.com/gitlabkit/integrations"
)

// SpecError lists every problem found in a spec, each naming its place
// ("fleet.yaml:12") and what would be right. It matches
// integrations.ErrValidation; nothing was sent to GitLab.
type SpecError struct {
	// Problems holds one entry per problem, in the order of the spec.
	Problems []Problem
}

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

func (p problemList) err() error {
	if len(p) == 0 {
		return nil
	}
	return &SpecError{Problems: p}
}
