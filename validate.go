package integrations

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// problems collects what is wrong with an options struct, so that one
// error lists every problem at once. Generated validate methods fill it.
type problems []string

// validator is implemented by every generated options struct.
type validator interface {
	validate(p *problems)
}

// validateOptions returns the problems of o, nil when it has none. The list
// is collected in a pooled slice: validate is called through an interface,
// so a local slice would be allocated on every call, problems or not.
func validateOptions(o any) problems {
	v, ok := o.(validator)
	if !ok {
		return nil
	}
	pp := problemLists.Get().(*problems)
	v.validate(pp)
	var out problems
	if len(*pp) > 0 {
		out = slices.Clone(*pp)
	}
	clear(*pp)
	*pp = (*pp)[:0]
	problemLists.Put(pp)
	return out
}

var problemLists = sync.Pool{New: func() any { return new(problems) }}

func (p *problems) add(param, format string, args ...any) {
	*p = append(*p, param+": "+fmt.Sprintf(format, args...))
}

// oneOf records a value that is not among the allowed ones.
func (p *problems) oneOf(param, value string, allowed []string) {
	if !slices.Contains(allowed, value) {
		p.add(param, "%q is not one of %s%s", value, strings.Join(allowed, ", "), didYouMeanValue(value, allowed))
	}
}

// commaList records a comma-separated list holding a value not allowed.
func (p *problems) commaList(param, value string, allowed []string) {
	for rest := value; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		if part = strings.TrimSpace(part); part != "" && !slices.Contains(allowed, part) {
			p.add(param, "%q is not one of %s%s", part, strings.Join(allowed, ", "), didYouMeanValue(part, allowed))
		}
	}
}
