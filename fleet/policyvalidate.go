package fleet

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
)

// Validate checks a policy against the catalog of integrations, and brings
// its values to the types of their parameters. Every problem is reported
// at once in a *SpecError matching integrations.ErrValidation: a version
// other than 1, a rule without a name or with a name already used, a rule
// with none or several of Require, Forbid and Integration, an unknown
// integration, parameter or event (with the closest name), a condition on
// a secret (GitLab never reports one), a value of the wrong type, an
// invalid regular expression, a target that names no place or two.
// ParsePolicy calls it; Check calls it for a policy built in Go.
func (pol *Policy) Validate() error {
	if pol == nil {
		return &SpecError{Problems: []Problem{{Where: "policy", Message: "no policy (nil)"}}}
	}
	return pol.validate(false)
}

// validate is Validate; read says the reader already reported problems of
// shape, so that a policy missing its parts is not reported twice.
func (pol *Policy) validate(read bool) error {
	var p problemList
	if pol.Version != 1 && !read {
		p.addAt(orPolicy(pol.File), "version %d is not known: write version: 1", pol.Version)
	}
	if len(pol.Rules) == 0 && !read {
		p.addAt(orPolicy(pol.File), "no rules: add rules: with at least one rule")
	}
	names := map[string]string{}
	for i := range pol.Rules {
		r := &pol.Rules[i]
		r.Where = pol.where(i)
		if r.Name == "" {
			if _, bad := r.lines["@name"]; !bad {
				p.addAt(r.Where, "rule has no name: add name: (findings and reports name the rule)")
			}
		} else if first, dup := names[strings.ToLower(r.Name)]; dup {
			p.addAt(pol.where(i, "@name"), "rule name %q is already used by the rule at %s: give each rule a name of its own", r.Name, first)
		} else {
			names[strings.ToLower(r.Name)] = r.Where
		}
		pol.validateTargets(i, &p)
		pol.validateRule(i, &p)
	}
	sort.SliceStable(p, func(a, b int) bool { return lineOf(p[a].Where) < lineOf(p[b].Where) })
	return p.err()
}

// targetSpec is rule i's targets as a spec, with their lines, for the
// spec's checks and expansion of targets.
func (pol *Policy) targetSpec(i int) *Spec {
	r := &pol.Rules[i]
	s := &Spec{Version: 1, File: pol.File, Targets: make([]Target, len(r.Targets)), lines: map[string]int{}}
	for ti, t := range r.Targets {
		t.Integrations = nil
		s.Targets[ti] = t
		prefix := "t" + strconv.Itoa(ti)
		for k, line := range r.lines {
			if k == prefix {
				s.lines[key(ti)] = line
			} else if rest, ok := strings.CutPrefix(k, prefix+"\x00"); ok {
				s.lines[key(ti, rest)] = line
			}
		}
	}
	return s
}

func (pol *Policy) validateTargets(i int, p *problemList) {
	r := &pol.Rules[i]
	if len(r.Targets) == 0 {
		if _, bad := r.lines["@targets"]; !bad {
			p.addAt(r.Where, "rule has no targets: add targets: with at least one projects_in:, project: or group:")
		}
		return
	}
	s := pol.targetSpec(i)
	var tp problemList
	for ti := range s.Targets {
		s.validatePlace(ti, &tp)
	}
	for _, pr := range tp {
		if !strings.Contains(pr.Where, ":") || strings.HasPrefix(pr.Where, "targets[") {
			pr.Where = fmt.Sprintf("%s.%s", pol.where(i), pr.Where) // a rule built in Go
		}
		*p = append(*p, pr)
	}
}

// slug is the integration the rule is about, whichever of its kinds.
func (r *Rule) slug() string {
	switch {
	case r.Require != "":
		return r.Require
	case r.Forbid != "":
		return r.Forbid
	}
	return r.Integration
}

// needsSettings reports whether the rule reads an integration's
// parameters, for which Check needs a Get.
func (r *Rule) needsSettings() bool { return r.Forbid == "" && len(r.Parameters) > 0 }

func (pol *Policy) validateRule(i int, p *problemList) {
	r := &pol.Rules[i]
	var kinds []string
	for _, k := range []struct{ name, v string }{{"require", r.Require}, {"forbid", r.Forbid}, {"integration", r.Integration}} {
		if k.v != "" {
			kinds = append(kinds, k.name+":")
		}
	}
	switch len(kinds) {
	case 0:
		if _, bad := r.lines["!kind"]; !bad {
			p.addAt(r.Where, "rule checks nothing: give one of require: (active on every target), forbid: (active on none) or integration: (its settings where active)")
		}
		return
	case 1:
	default:
		p.addAt(r.Where, "rule gives %s at once: give one of them per rule (write one rule for each)", strings.Join(kinds, " and "))
		return
	}
	kindKey := "@" + strings.TrimSuffix(kinds[0], ":")
	slug := r.slug()
	info, ok := integrations.Lookup(slug)
	if !ok {
		p.addAt(pol.where(i, kindKey), "unknown integration %q%s", slug, slugSuggestion(slug))
		return
	}
	for _, t := range r.Targets {
		if t.Group != "" && !info.Group {
			p.addAt(pol.where(i, kindKey), "%s (%s) exists for projects only, and a target of the rule is group %s: check it on projects", info.Title, slug, t.Group)
			break
		}
	}
	switch {
	case r.Forbid != "" && len(r.Parameters)+len(r.Events) > 0:
		p.addAt(pol.where(i, kindKey), "forbid: takes no parameters: or events: (a forbidden integration is active nowhere, whatever its settings)")
		return
	case r.Integration != "" && len(r.Parameters)+len(r.Events) == 0:
		if _, given := r.lines["@parameters"]; !given {
			if _, given := r.lines["@events"]; !given {
				p.addAt(pol.where(i, kindKey), "integration: %s checks settings: add parameters: or events: (or write require: %s to require it active)", slug, slug)
			}
		}
	}
	for _, name := range sortedKeys(r.Parameters) {
		c, ok := pol.validateCondition(i, info, name, r.Parameters[name], p)
		if ok {
			r.Parameters[name] = c
		}
	}
	for _, name := range sortedKeys(r.Events) {
		at := pol.where(i, "e:"+name)
		if !slices.Contains(info.Events, name) {
			p.addAt(at, "%s has no event %q%s (its events: %s)", slug, name, didYouMean(name, info.Events), strings.Join(info.Events, ", "))
			continue
		}
		if _, ok := eventFlag(&integrations.Integration{}, name); !ok {
			p.addAt(at, "events: %s is not in GitLab's answers as this SDK reads them, so it cannot be checked", name)
		}
	}
}

// validateCondition checks one parameter's conditions against the
// catalog, and brings its values to the parameter's type.
func (pol *Policy) validateCondition(i int, info integrations.IntegrationInfo, name string, c Condition, p *problemList) (Condition, bool) {
	at := pol.where(i, "p:"+name)
	param, ok := info.Parameter(name)
	if !ok {
		names := make([]string, 0, len(info.Parameters))
		for _, q := range info.Parameters {
			names = append(names, q.Name)
		}
		p.addAt(at, "%s has no parameter %q%s", info.Slug, name, didYouMean(name, names))
		return c, false
	}
	switch {
	case param.Secret:
		p.addAt(at, "%s.%s is a secret, and secrets cannot be read from GitLab (it never reports them), so no rule can check one", info.Slug, name)
		return c, false
	case param.Event:
		p.addAt(at, "%s is an event flag: write it under events: (%s: true)", name, name)
		return c, false
	case param.Ignored || !param.Returned:
		p.addAt(at, "GitLab does not report %s.%s in its answers, so it cannot be checked", info.Slug, name)
		return c, false
	}
	if c.Equals == nil && len(c.OneOf) == 0 && c.Matches == "" && len(c.HostIn) == 0 {
		p.addAt(at, "parameters: %s has no condition: give equals:, one_of:, matches: or host_in:", name)
		return c, false
	}
	good := true
	if c.Equals != nil {
		v, err := conditionValue(param, c.Equals)
		if err != nil {
			p.addAt(at, "%s: equals: %v", name, err)
			good = false
		}
		c.Equals = v
	}
	oneOf := make([]any, 0, len(c.OneOf))
	for _, x := range c.OneOf {
		v, err := conditionValue(param, x)
		if err != nil {
			p.addAt(at, "%s: one_of: %v", name, err)
			good = false
		}
		oneOf = append(oneOf, v)
	}
	if len(c.OneOf) > 0 {
		c.OneOf = oneOf
	}
	if c.Matches != "" {
		if param.Type != integrations.TypeString && param.Type != integrations.TypeStringList {
			p.addAt(at, "%s: matches: applies to text, and %s is %s: use equals: or one_of:", name, name, typeName(param.Type))
			good = false
		} else if re, err := regexp.Compile(c.Matches); err != nil {
			p.addAt(at, "%s: matches: %q is not a valid regular expression: %v", name, c.Matches, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			good = false
		} else {
			c.re = re
		}
	}
	if len(c.HostIn) > 0 {
		if param.Type != integrations.TypeString {
			p.addAt(at, "%s: host_in: applies to a URL, and %s is %s", name, name, typeName(param.Type))
			good = false
		}
		for _, h := range c.HostIn {
			if h == "" || strings.ContainsAny(h, "/:@ ") {
				p.addAt(at, "%s: host_in: %q is not a host name (write jira.example.com, or *.example.com for every host under it)", name, h)
				good = false
			}
		}
	}
	return c, good
}

// conditionValue brings a condition's value to the parameter's type: the
// one GitLab's answers are read as.
func conditionValue(param integrations.ParameterInfo, v any) (any, error) {
	switch param.Type {
	case integrations.TypeString:
		switch x := v.(type) {
		case string:
			return x, nil
		case floatText:
			return string(x), nil
		}
	case integrations.TypeBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case integrations.TypeInteger:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		}
	case integrations.TypeStringList:
		switch x := v.(type) {
		case []string:
			return x, nil
		case []any:
			out := make([]string, 0, len(x))
			for _, item := range x {
				s, ok := item.(string)
				if !ok {
					return v, fmt.Errorf("%s is a list of texts, not %s", param.Name, describeValue(v))
				}
				out = append(out, s)
			}
			return out, nil
		}
	}
	return v, fmt.Errorf("%s is %s, not %s", param.Name, typeName(param.Type), describeValue(v))
}

func typeName(t integrations.ParameterType) string {
	switch t {
	case integrations.TypeBoolean:
		return "a boolean (true or false)"
	case integrations.TypeInteger:
		return "a whole number"
	case integrations.TypeStringList:
		return "a list of texts"
	}
	return "a text"
}

func describeValue(v any) string {
	switch x := v.(type) {
	case bool:
		return "a boolean (" + strconv.FormatBool(x) + ")"
	case int, int64, floatText:
		return fmt.Sprintf("a number (%v)", x)
	case string:
		return "a text"
	case []string, []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// eventFlag reads one event flag of an answer by its API name, and
// whether GitLab's answers have such a flag.
func eventFlag(it *integrations.Integration, name string) (bool, bool) {
	if it == nil {
		it = &integrations.Integration{}
	}
	v, ok := eventFlags(it)[name]
	return v, ok
}
