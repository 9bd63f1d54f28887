package integrations

import (
	"strconv"
	"strings"
	"unicode"
)

// Scope says where a call acts: one project or one group, named by numeric
// ID or by full path. Build one with Project, ProjectID, Group or GroupID; the
// zero Scope is invalid and every call refuses it before sending anything.
type Scope struct {
	group bool
	id    int64
	path  string
}

// Project names a project by its full path, such as "acme/web" or
// "acme/platform/api". A path of digits only is taken as a numeric ID, as
// GitLab itself does.
func Project(path string) Scope { return Scope{path: path} }

// ProjectID names a project by its numeric ID.
func ProjectID(id int64) Scope { return Scope{id: id} }

// Group names a group by its full path, such as "acme" or "acme/platform".
func Group(path string) Scope { return Scope{group: true, path: path} }

// GroupID names a group by its numeric ID.
func GroupID(id int64) Scope { return Scope{group: true, id: id} }

// IsGroup reports whether the scope is a group rather than a project.
func (s Scope) IsGroup() bool { return s.group }

// String returns the scope as people read it: "project acme/web", "group 7".
func (s Scope) String() string {
	kind := "project"
	if s.group {
		kind = "group"
	}
	if s.path != "" {
		return kind + " " + s.path
	}
	return kind + " " + strconv.FormatInt(s.id, 10)
}

// collection is the first path segment of the scope's endpoints.
func (s Scope) collection() string {
	if s.group {
		return "groups"
	}
	return "projects"
}

// validate reports what is wrong with the reference, if anything.
func (s Scope) validate() error {
	kind := "project"
	if s.group {
		kind = "group"
	}
	if s.path == "" {
		if s.id <= 0 {
			if s.id == 0 {
				return invalid("empty %s reference (use %s(path) or %sID(id) with an ID above zero)", kind, capitalize(kind), capitalize(kind))
			}
			return invalid("%s ID %d is not positive", kind, s.id)
		}
		return nil
	}
	p := s.path
	for _, r := range p {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return invalid("%s path %q contains a space or control character", kind, p)
		}
	}
	if strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return invalid("%s path %q has an empty segment (write it as \"group/name\", without leading or trailing slashes)", kind, p)
	}
	for rest := p; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if seg == "." || seg == ".." {
			return invalid("%s path %q contains a %q segment", kind, p, seg)
		}
	}
	if strings.ContainsAny(p, "?#%\\") {
		return invalid("%s path %q contains a character GitLab paths never have (?, #, %% or \\)", kind, p)
	}
	return nil
}

// escaped returns the :id segment of the URL path: the numeric ID, or the
// path with every reserved character, "/" and "." included, percent-encoded.
// GitLab needs "." encoded too, or it takes "web.site" as a format suffix.
func (s Scope) escaped() string {
	var buf [64]byte
	return string(s.appendEscaped(buf[:0]))
}

// appendEscaped appends the escaped reference to dst: a caller building a
// longer string from it needs no string of its own for it.
func (s Scope) appendEscaped(dst []byte) []byte {
	if s.path == "" {
		return strconv.AppendInt(dst, s.id, 10)
	}
	return appendEscapedSegment(dst, s.path)
}

// appendEscapedSegment appends p to b, percent-encoding everything but
// unreserved letters, digits, "-", "_" and "~".
func appendEscapedSegment(b []byte, p string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '~':
			b = append(b, c)
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return b
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
