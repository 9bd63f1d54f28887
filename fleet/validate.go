package fleet

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/internal/suggest"
)

// Validate checks a spec against the catalog of integrations, and brings
// its values to the types GitLab expects (an int becomes an int64, a list
// []string). Every problem is reported at once in a *SpecError matching
// integrations.ErrValidation: a version other than 1, a target that names
// no place or two, an unknown integration or parameter (with the closest
// name), a value of the wrong type or not among the allowed ones, a
// required parameter left out, a malformed reference, or an integration
// that GitLab offers for projects only on a group target. ParseSpec calls
// it; NewPlan calls it for a spec built in Go.
func (s *Spec) Validate() error {
	if s == nil {
		return &SpecError{Problems: []Problem{{Where: "spec", Message: "no spec (nil)"}}}
	}
	var p problemList
	file := s.File
	if line, ok := s.lines["version"]; s.Version != 1 && (ok || s.lines == nil) {
		// (A YAML spec without version: was reported by the reader.)
		where := orSpec(file)
		if ok {
			where = fmt.Sprintf("%s:%d", where, line)
		}
		p.addAt(where, "version %d is not known: write version: 1", s.Version)
	}
	if _, bad := s.lines["!top"]; len(s.Targets) == 0 && !bad {
		p.addAt(orSpec(file), "no targets: add targets: with at least one projects_in:, project: or group:")
	}
	for i := range s.Targets {
		s.validateTarget(i, &p)
	}
	sort.SliceStable(p, func(a, b int) bool { return lineOf(p[a].Where) < lineOf(p[b].Where) })
	return p.err()
}

// lineOf returns the line number of a "file:line" place, 0 for others.
func lineOf(where string) int {
	i := strings.LastIndexByte(where, ':')
	if i < 0 {
		return 0
	}
	n, _ := strconv.Atoi(where[i+1:])
	return n
}

func orSpec(file string) string {
	if file == "" {
		return "spec"
	}
	return file
}

func (s *Spec) validateTarget(i int, p *problemList) {
	s.validatePlace(i, p)
	s.validateIntegrations(i, p)
}

// validatePlace checks where target i is: one place, well written.
func (s *Spec) validatePlace(i int, p *problemList) {
	t := &s.Targets[i]
	var kinds []string
	for _, k := range []struct{ name, v string }{{"projects_in", t.ProjectsIn}, {"project", t.Project}, {"group", t.Group}} {
		if k.v != "" {
			kinds = append(kinds, k.name)
			if msg := checkPath(k.v); msg != "" {
				p.addAt(s.where(i, "@"+k.name), "%s: %s", k.name, msg)
			}
		}
	}
	switch len(kinds) {
	case 0:
		if _, bad := s.lines[key(i, "!shape")]; bad {
			break // the reader reported the unknown key
		}
		p.addAt(s.where(i), "target names no place: give one of projects_in:, project: or group:")
	case 1:
	default:
		p.addAt(s.where(i), "target names %s at once: give one of them per target", strings.Join(kinds, " and "))
	}
	if t.ProjectsIn == "" && (len(t.Include) > 0 || len(t.Exclude) > 0) {
		p.addAt(s.where(i, "@include"), "include: and exclude: filter the projects of projects_in:, which this target does not have")
	}
	for _, g := range append(append([]string(nil), t.Include...), t.Exclude...) {
		if _, err := compileGlob(g); err != nil || g == "" {
			p.addAt(s.where(i, "@include"), "glob %q is not valid (use *, ** and ?)", g)
		}
	}
}

// validateIntegrations checks what target i wants.
func (s *Spec) validateIntegrations(i int, p *problemList) {
	t := &s.Targets[i]
	if _, bad := s.lines[key(i, "!shape")]; len(t.Integrations) == 0 && !bad {
		p.addAt(s.where(i), "target has no integrations: add integrations: with at least one slug")
	}
	group := t.Group != ""
	for _, slug := range sortedKeys(t.Integrations) {
		d := t.Integrations[slug]
		info, ok := integrations.Lookup(slug)
		if !ok {
			p.addAt(s.where(i, slug), "unknown integration %q%s", slug, slugSuggestion(slug))
			continue
		}
		if group && !info.Group {
			p.addAt(s.where(i, slug), "%s (%s) exists for projects only, not on a group: move it to a project: or projects_in: target", info.Title, slug)
		}
		switch d.State {
		case "":
			d.State = Present
			t.Integrations[slug] = d
		case Present, Absent, Inherit:
		default:
			p.addAt(s.where(i, slug), "%s: state %q is not known: use present, absent or inherit", slug, d.State)
			continue
		}
		if d.State != Present {
			if len(d.Params) > 0 || len(d.NewSecrets) > 0 {
				p.addAt(s.where(i, slug), "%s: %s takes no parameters; leave them out, or manage them with present", slug, d.State)
			}
			continue
		}
		if d.Params == nil {
			d.Params = map[string]any{}
			t.Integrations[slug] = d
		}
		s.validateParams(i, info, d.Params, p)
		s.validateNewSecrets(i, info, d, p)
	}
}

// validateParams checks one integration's parameters and brings their
// values to GitLab's types in place.
func (s *Spec) validateParams(i int, info integrations.IntegrationInfo, params map[string]any, p *problemList) {
	slug := info.Slug
	var names []string
	for _, pi := range info.Parameters {
		if pi.Name != "use_inherited_settings" {
			names = append(names, pi.Name)
		}
	}
	for _, name := range sortedKeys(params) {
		where := s.where(i, slug, name)
		if msg, implied := impliedParam(name, params[name], slug); implied {
			// Said by present itself: accepted, and not sent as a parameter.
			if msg != "" {
				p.addAt(where, "%s", msg)
			}
			delete(params, name)
			continue
		}
		pi, ok := info.Parameter(name)
		if !ok {
			p.addAt(where, "%s: unknown parameter %q%s", slug, name, didYouMean(name, names))
			continue
		}
		v, msg := normalise(pi, params[name])
		if msg != "" {
			p.addAt(where, "%s.%s: %s", slug, name, msg)
			continue
		}
		params[name] = v
	}
}

// validateNewSecrets checks that every parameter marked new is a secret
// the target gives: a value GitLab reports is compared, not marked.
func (s *Spec) validateNewSecrets(i int, info integrations.IntegrationInfo, d Desired, p *problemList) {
	for _, name := range d.NewSecrets {
		where := s.where(i, info.Slug, name)
		if _, given := d.Params[name]; !given {
			p.addAt(where, "%s.%s: marked %s but not given: write %s: %s VALUE", info.Slug, name, newSecretTag, name, newSecretTag)
			continue
		}
		if pi, ok := info.Parameter(name); ok && !pi.Secret {
			p.addAt(where, "%s.%s: %s marks a secret's new value; %s is not a secret (GitLab reports it, so the plan compares it): remove %s", info.Slug, name, newSecretTag, name, newSecretTag)
		}
	}
}

// impliedParam handles the two parameters that a present integration with
// parameters already says: active (Set always turns an integration on) and
// use_inherited_settings (parameters are the integration's own settings).
// It reports whether name is one of them and, when the value contradicts
// present, what to write instead.
func impliedParam(name string, v any, slug string) (msg string, implied bool) {
	var contradicts, fix string
	switch name {
	case "active":
		contradicts, fix = "false", "write absent to disable the integration ("+slug+": absent)"
	case "use_inherited_settings":
		contradicts, fix = "true", "write inherit to use the settings of the group above ("+slug+": inherit)"
	default:
		return "", false
	}
	b, ok := v.(bool)
	switch {
	case !ok:
		return fmt.Sprintf("%s.%s: want true or false, not %s", slug, name, describe(v)), true
	case strconv.FormatBool(b) == contradicts:
		return fmt.Sprintf("%s.%s: %s is not a parameter: %s", slug, name, contradicts, fix), true
	}
	return "", true
}

// checkRequired reports, after targets are merged, every integration
// wanted present on a place without a parameter GitLab requires on every
// change, once per spec position.
func checkRequired(places []*place) error {
	var p problemList
	seen := map[string]bool{}
	for _, pl := range places {
		for _, e := range pl.wants {
			slug, w := e.slug, e.w
			if w.state != Present {
				continue
			}
			info, _ := lookupInfo(slug)
			for _, pi := range info.Parameters {
				if _, ok := w.params[pi.Name]; ok || !pi.Required || pi.Ignored {
					continue
				}
				where := e.set[""]
				if seen[where+"\x00"+pi.Name] {
					continue
				}
				seen[where+"\x00"+pi.Name] = true
				p.addAt(where, "%s: %s is required (GitLab needs it on every change%s); missing for %s", slug, pi.Name, secretHint(slug, pi), pl.text)
			}
		}
	}
	sort.SliceStable(p, func(a, b int) bool { return lineOf(p[a].Where) < lineOf(p[b].Where) })
	return p.err()
}

func secretHint(slug string, pi integrations.ParameterInfo) string {
	if pi.Secret {
		return "; write it as a reference such as ${env:" + envName(slug, pi.Name) + "}"
	}
	return ""
}

// normalise brings a value to the parameter's type, or says what is wrong.
func normalise(pi integrations.ParameterInfo, v any) (any, string) {
	switch pi.Type {
	case integrations.TypeBoolean:
		if b, ok := v.(bool); ok {
			return b, ""
		}
		return nil, fmt.Sprintf("want true or false, not %s", describe(v))
	case integrations.TypeInteger:
		n, ok := toInt(v)
		if !ok {
			return nil, fmt.Sprintf("want a whole number, not %s", describe(v))
		}
		if msg := checkRules(pi, n); msg != "" {
			return nil, msg
		}
		return n, ""
	case integrations.TypeStringList:
		var list []string
		switch x := v.(type) {
		case []string:
			list = append([]string(nil), x...)
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Sprintf("a list holds strings only, not %s", describe(e))
				}
				list = append(list, s)
			}
		case string:
			for _, part := range strings.Split(x, ",") {
				if part = strings.TrimSpace(part); part != "" {
					list = append(list, part)
				}
			}
		default:
			return nil, fmt.Sprintf("want a list of strings, not %s", describe(v))
		}
		refs := false
		for _, e := range list {
			if _, err := parseRefs(e); err != nil {
				return nil, err.Error()
			}
			refs = refs || hasRefs(e)
		}
		if !refs {
			if msg := checkRules(pi, list); msg != "" {
				return nil, msg
			}
		}
		return list, ""
	}
	var str string
	switch x := v.(type) {
	case string:
		str = x
	case floatText:
		str = string(x)
	case int, int64, int32:
		str = fmt.Sprint(x)
	case bool:
		str = strconv.FormatBool(x)
	case []string:
		// A string GitLab reads as a comma-separated list may be written
		// as a list.
		if !isListLike(pi) {
			return nil, fmt.Sprintf("want a string, not %s", describe(v))
		}
		str = strings.Join(x, ",")
	default:
		return nil, fmt.Sprintf("want a string, not %s", describe(v))
	}
	if _, err := parseRefs(str); err != nil {
		return nil, err.Error()
	}
	if !hasRefs(str) {
		// A value holding references is checked once they are resolved:
		// apply's Set checks it with the same rules.
		if msg := checkRules(pi, str); msg != "" {
			return nil, msg
		}
	}
	return str, ""
}

// checkRules checks a value, in GitLab's type, against the catalog's rules
// for the parameter (the SDK's own checker, ParameterInfo.Problems, which
// Set applies too): blank for a required parameter, not among the allowed
// values, not a URL, too long. It returns "" when the value passes.
func checkRules(pi integrations.ParameterInfo, v any) string {
	return strings.Join(pi.Problems(v), "; ")
}

// warningNotes returns a plan note for each value to send that GitLab
// accepts but will not use as people expect (ParameterInfo.Warning), such
// as an issue link template without ":id". A value holding references is
// noted once resolved, by Set.
func warningNotes(info integrations.IntegrationInfo, send map[string]any) []string {
	var out []string
	for _, pi := range info.Parameters {
		v, ok := send[pi.Name]
		if !ok || hasRefs(v) {
			continue
		}
		if w := pi.Warning(v); w != "" {
			out = append(out, w)
		}
	}
	return out
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	}
	return 0, false
}

// describe names a value's kind for messages; a string value is not
// printed, since it may be a secret.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case floatText:
		return "a number with a fraction (" + string(x) + ")"
	case int, int64, int32:
		return "a number"
	case float64, float32:
		return "a number with a fraction"
	case []string, []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("a %T", v)
}

// checkPath says what is wrong with a project or group path, if anything.
func checkPath(p string) string {
	if strings.ContainsAny(p, " \t\n?#%\\") {
		return fmt.Sprintf("%q is not a GitLab path (no spaces, ?, #, %% or \\)", p)
	}
	if strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return fmt.Sprintf("%q has an empty segment: write it as group/name, without leading or trailing slashes", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return fmt.Sprintf("%q has a %q segment", p, seg)
		}
	}
	return ""
}

// catalogSlugs lists every slug the SDK knows.
var catalogSlugs = sync.OnceValue(func() []string {
	var out []string
	for _, info := range integrations.Catalog() {
		out = append(out, info.Slug)
	}
	return out
})

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to
// name, or "" when none is close.
func didYouMean(name string, candidates []string) string {
	near := suggest.Closest(name, candidates, 1)
	if len(near) == 0 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", near[0])
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
