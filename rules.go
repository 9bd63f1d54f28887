package integrations

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gitlabkit/integrations/internal/suggest"
)

// FormatURL is the Format of the parameters GitLab's model checks with its
// public_url or addressable_url validator, such as Harbor's url and the
// issue trackers' project_url. The SDK accepts what those validators
// accept of a URL's shape: after leading and trailing spaces are trimmed,
// the scheme http or https (in any case), "://", and a host (what comes
// before the first "/", "?" or "#", less any "user@" and ":port") that is
// not empty and holds no space or control character; a port, when given,
// is digits. GitLab may still refuse a URL of that shape: one whose host
// does not resolve, or points to the local network when the instance does
// not allow that.
const FormatURL = "url"

// The rules of the catalog live here, once: the typed options' generated
// validate methods, the by-slug Set, ParameterInfo.Check (which package
// fleet calls for a spec) and the in-memory GitLab's model check all come
// down to these functions. On a value that passes they allocate nothing,
// so that the typed Set stays allocation-free.

// requiredMessage is the problem of a required parameter left out (or, in
// the typed options, left empty); blankMessage that of one given as spaces.
const (
	requiredMessage = "is required (GitLab needs it on every Set, updates included)"
	blankMessage    = "is blank (spaces only): GitLab needs a value that is not blank"
)

// checkString records what is wrong with s as the value of p: blank when
// p is required, not among the allowed values, not a URL, too long. With
// inherit (use_inherited_settings: true), GitLab saves the group's values,
// not the ones sent: only the API's own checks (present, allowed values)
// apply, not the model's (blank, URL, length).
func (pb *problems) checkString(p *ParameterInfo, s string, inherit bool) {
	if inherit {
		if len(p.AllowedValues) > 0 && s != "" {
			if p.CommaList {
				pb.commaList(p.Name, s, p.AllowedValues)
			} else {
				pb.oneOf(p.Name, s, p.AllowedValues)
			}
		}
		return
	}
	blank := strings.TrimSpace(s) == ""
	if blank && p.Required {
		if s == "" {
			pb.add(p.Name, requiredMessage)
		} else {
			pb.add(p.Name, blankMessage)
		}
		return
	}
	if len(p.AllowedValues) > 0 {
		if p.CommaList {
			pb.commaList(p.Name, s, p.AllowedValues)
		} else {
			pb.oneOf(p.Name, s, p.AllowedValues)
		}
		return
	}
	if blank {
		return // an optional parameter sent blank clears the setting
	}
	if p.Format == FormatURL {
		if msg := urlProblem(s); msg != "" {
			pb.add(p.Name, "%s", msg)
		}
	}
	if p.MaxLength > 0 {
		if n := utf8.RuneCountInString(s); n > p.MaxLength {
			pb.add(p.Name, "is %d characters long; GitLab accepts at most %d", n, p.MaxLength)
		}
	}
	if p.Pattern != "" {
		re, err := patternOf(p.Pattern)
		switch {
		case err != nil:
			pb.add(p.Name, "cannot be checked: its pattern %q is not a regular expression", p.Pattern)
		case !re.MatchString(s):
			pb.add(p.Name, "does not have the form GitLab requires (it must match %s)", p.Pattern)
		}
	}
}

// catalogPatterns holds the compiled Pattern of every catalog parameter
// that has one, compiled once.
var catalogPatterns = sync.OnceValue(func() map[string]*regexp.Regexp {
	out := map[string]*regexp.Regexp{}
	for i := range catalog {
		for _, p := range catalog[i].Parameters {
			if re, err := regexp.Compile(p.Pattern); p.Pattern != "" && err == nil {
				out[p.Pattern] = re
			}
		}
	}
	return out
})

// patternOf returns the compiled pattern: the catalog's without an
// allocation, another (a ParameterInfo a caller changed) compiled anew.
func patternOf(pattern string) (*regexp.Regexp, error) {
	if re, ok := catalogPatterns()[pattern]; ok {
		return re, nil
	}
	return regexp.Compile(pattern)
}

// checkInt records an integer not among p's allowed values.
func (pb *problems) checkInt(p *ParameterInfo, n int64) {
	if len(p.AllowedValues) == 0 {
		return
	}
	var buf [20]byte
	text := strconv.AppendInt(buf[:0], n, 10)
	for _, a := range p.AllowedValues {
		if a == string(text) { // compared without a conversion: no allocation
			return
		}
	}
	pb.oneOf(p.Name, string(text), p.AllowedValues)
}

// checkList records an empty list for a required p (unless inherit, as
// for checkString), and entries not among its allowed values.
func (pb *problems) checkList(p *ParameterInfo, list []string, inherit bool) {
	if p.Required && len(list) == 0 && !inherit {
		pb.add(p.Name, requiredMessage)
		return
	}
	if len(p.AllowedValues) == 0 {
		return
	}
	for _, s := range list {
		pb.oneOf(p.Name, s, p.AllowedValues)
	}
}

// checkTyped records what is wrong with v, a value already in p's Go type
// (bool, int64, string or []string, as coerceValue returns).
func (pb *problems) checkTyped(p *ParameterInfo, v any, inherit bool) {
	switch x := v.(type) {
	case string:
		pb.checkString(p, x, inherit)
	case int64:
		pb.checkInt(p, x)
	case []string:
		pb.checkList(p, x, inherit)
	}
}

// urlProblem says why s is not a URL of FormatURL's shape, "" when it is.
func urlProblem(s string) string {
	t := strings.TrimSpace(s)
	scheme, rest, ok := strings.Cut(t, "://")
	if !ok || !(strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")) {
		return "is not a URL GitLab accepts: write it with http:// or https:// and a host, such as https://example.com"
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	host, port := rest, ""
	if strings.HasPrefix(host, "[") { // an IPv6 literal: [::1]:8080
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "is not a URL GitLab accepts: the IPv6 host has no closing ]"
		}
		host, port = host[:end+1], strings.TrimPrefix(host[end+1:], ":")
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host, port = host[:i], host[i+1:]
	}
	if host == "" || host == "[]" {
		return "is not a URL GitLab accepts: it has no host (write it as https://host/…)"
	}
	for _, r := range host {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "is not a URL GitLab accepts: its host contains a space or control character"
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return "is not a URL GitLab accepts: its port is not a number"
		}
	}
	return ""
}

// placeholderMissing reports whether s, a non-blank value of p, lacks the
// text GitLab replaces in it (":id" in an issue link template).
func placeholderMissing(p *ParameterInfo, s string) bool {
	return p.Placeholder != "" && strings.TrimSpace(s) != "" && !strings.Contains(s, p.Placeholder)
}

// placeholderWarning is the warning logged for a value without p's
// placeholder.
func placeholderWarning(p *ParameterInfo) string {
	return fmt.Sprintf("%s has no %s: GitLab accepts it, but links every issue to the same address", p.Name, p.Placeholder)
}

// Check reports whether GitLab accepts v as the value of the parameter:
// v is read as DynamicService.Set reads it (see Values), then checked
// against every rule of the catalog: a required parameter present and not
// blank (GitLab's presence validation: "", a string of spaces and an empty
// list are blank), one of AllowedValues, Format, MaxLength, Pattern. The error is a
// *ValidationError matching ErrValidation, one problem per line of its
// Problems, each starting with the parameter's name. Set makes the same
// checks, so a value Check accepts is not refused by the SDK.
func (p ParameterInfo) Check(v any) error {
	if list := p.Problems(v); len(list) > 0 {
		for i := range list {
			list[i] = p.Name + ": " + list[i]
		}
		return &ValidationError{Problems: list}
	}
	return nil
}

// Problems returns what is wrong with v as the value of the parameter, as
// Check finds it, without the parameter's name: nil when nothing is. It is
// for tools that place the problems themselves, such as package fleet
// under a spec's line. (A Set with use_inherited_settings true is checked
// less: GitLab then saves the group's values, so only the presence of
// required parameters and the allowed values are checked.)
func (p ParameterInfo) Problems(v any) []string {
	if v == nil {
		return []string{"no value"}
	}
	tv, err := coerceValue(&p, v)
	if err != nil {
		return []string{err.Error()}
	}
	var pb problems
	pb.checkTyped(&p, tv, false)
	prefix := p.Name + ": "
	for i := range pb {
		pb[i] = strings.TrimPrefix(pb[i], prefix)
	}
	return pb
}

// Warning returns what GitLab accepts in v but will not use as people
// expect, such as an issue link template without ":id"; "" when nothing.
// Set logs it through the client's logger and sends the value.
func (p ParameterInfo) Warning(v any) string {
	s, ok := v.(string)
	if !ok || !placeholderMissing(&p, s) {
		return ""
	}
	return placeholderWarning(&p)
}

// didYouMeanValue returns ` (did you mean "x"?)` for the allowed value
// closest to s, "" when none is close.
func didYouMeanValue(s string, allowed []string) string {
	near := suggest.Closest(s, allowed, 1)
	if len(near) == 0 || near[0] == s {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", near[0])
}

// warner is implemented by every generated options struct: warnings
// returns what Set logs before sending (rules.go).
type warner interface {
	warnings() []string
}

// warningsIn returns the warnings of o, nil for a type without any.
func warningsIn(o any) []string {
	if w, ok := o.(warner); ok {
		return w.warnings()
	}
	return nil
}
