package fleet

import (
	"regexp"
	"strings"
)

// A glob matches a project's full path, without regard to case (as GitLab
// compares paths):
//
//	*    any characters within one path segment (no "/")
//	**   any characters, "/" included; "**/" also matches no segment, so
//	     "acme/**/web" matches "acme/web" and "acme/a/b/web"
//	?    one character other than "/"
//
// Every other character matches itself.

// compileGlob turns a glob into an anchored regular expression.
func compileGlob(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("(?i)^")
	for i := 0; i < len(glob); {
		switch {
		case strings.HasPrefix(glob[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 3
		case strings.HasPrefix(glob[i:], "**"):
			b.WriteString(".*")
			i += 2
		case glob[i] == '*':
			b.WriteString("[^/]*")
			i++
		case glob[i] == '?':
			b.WriteString("[^/]")
			i++
		default:
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
			i++
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// pathFilter keeps the paths a target's Include and Exclude select.
type pathFilter struct {
	include, exclude []*regexp.Regexp
}

func newPathFilter(include, exclude []string) (pathFilter, error) {
	var f pathFilter
	for _, g := range include {
		re, err := compileGlob(g)
		if err != nil {
			return f, err
		}
		f.include = append(f.include, re)
	}
	for _, g := range exclude {
		re, err := compileGlob(g)
		if err != nil {
			return f, err
		}
		f.exclude = append(f.exclude, re)
	}
	return f, nil
}

// keep reports whether a full path is selected: it matches an Include (or
// there is none) and no Exclude.
func (f pathFilter) keep(path string) bool {
	for _, re := range f.exclude {
		if re.MatchString(path) {
			return false
		}
	}
	if len(f.include) == 0 {
		return true
	}
	for _, re := range f.include {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}
