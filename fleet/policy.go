package fleet

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Policy is a set of rules that integrations over projects and groups
// must satisfy: which integrations are required, which are forbidden, and
// which settings an active one must have. Read one from YAML with
// ParsePolicy or LoadPolicy (the format is in the package documentation,
// "Policy checks"); Check compares it with what GitLab has.
type Policy struct {
	// Version is the policy format's version; 1 is the only one.
	Version int
	// Rules are checked each on its own targets, in order.
	Rules []Rule
	// File is the name the policy was read from, used in findings and
	// errors; empty for a policy built in Go.
	File string
}

// Rule is one check over some projects and groups. Exactly one of
// Require, Forbid and Integration is set.
type Rule struct {
	// Name identifies the rule in findings; unique within a policy.
	Name string
	// Targets are the projects and groups the rule covers, written as a
	// spec's targets (ProjectsIn with Include and Exclude, Project, Group)
	// without Integrations.
	Targets []Target
	// Require is a slug that must be active on every target scope
	// (inherited settings count); Parameters and Events, when given, must
	// hold there too.
	Require string
	// Forbid is a slug that must be active on no target scope.
	Forbid string
	// Integration is a slug whose settings must satisfy Parameters and
	// Events wherever it is active; where it is not, the rule holds.
	Integration string
	// Parameters are conditions on the integration's settings, by API
	// name. Secret parameters cannot be checked: GitLab never reports them.
	Parameters map[string]Condition
	// Events are the event flags the integration must have, by name
	// ("pipeline_events"): true on, false off.
	Events map[string]bool

	// Where is "file:line" of the rule in the policy, or "rules[i]" for a
	// rule built in Go; set by ParsePolicy and Validate.
	Where string

	lines map[string]int // line of each part, by key (see ruleKey)
}

// Condition is what one parameter's value must be. Every field given must
// hold; at least one is given.
type Condition struct {
	// Equals is the value the parameter must have: a string, boolean,
	// integer or string list, as its type in the catalog.
	Equals any
	// OneOf lists the values allowed.
	OneOf []any
	// Matches is a regular expression (Go's RE2 syntax, unanchored: write
	// ^ and $) the value must match; for a list, every item.
	Matches string
	// HostIn lists the hosts a URL's host must be one of, without regard
	// to case; "*.example.com" allows every host under example.com.
	HostIn []string

	re *regexp.Regexp // Matches compiled, by Validate
}

// policyDocument names a policy in the messages of the YAML checks.
var policyDocument = document{noun: "policy", want: "version: 1 and rules:"}

// The keys a policy's parts have, for "did you mean".
var (
	policyTopKeys    = []string{"version", "rules"}
	ruleKeys         = []string{"name", "targets", "require", "forbid", "integration", "parameters", "events"}
	policyTargetKeys = []string{"projects_in", "include", "exclude", "project", "group"}
	conditionKeys    = []string{"equals", "one_of", "matches", "host_in"}
)

// LoadPolicy reads and checks the policy in the YAML file at path; see
// ParsePolicy. The file is bounded as a spec is (MaxSpecSize).
func LoadPolicy(path string) (*Policy, error) {
	data, err := readYAMLFile(path, "policy")
	if err != nil {
		return nil, err
	}
	return ParsePolicy(path, data)
}

// ParsePolicy reads a policy from YAML and checks it against the catalog
// of integrations. filename is only used in messages. Every problem found
// is reported at once, each as "file:line: what is wrong, and what would
// be right", in a *SpecError matching integrations.ErrValidation: an
// unknown key (with the closest right one), an unknown integration or
// parameter, a condition on a secret, an invalid regular expression, a
// rule with none or several of require:, forbid: and integration:, a
// duplicate rule name.
func ParsePolicy(filename string, data []byte) (*Policy, error) {
	pol := &Policy{File: filename}
	var p problemList
	root := decodeDocument(filename, data, &p, policyDocument)
	if root == nil {
		return nil, p.err()
	}
	r := policyReader{file: filename, pol: pol, p: &p}
	r.top(root)
	if err := p.with(pol.validate(len(p) > 0)); err != nil {
		return nil, err
	}
	return pol, nil
}

// ruleKey names a part of a rule for its line table: "" the rule,
// "@name" a key of the rule, "p:channel" a parameter, "p:channel:matches"
// one of its conditions, "e:pipeline_events" an event, "t0:@group" a key
// of a target.
func ruleKey(parts ...string) string { return strings.Join(parts, "\x00") }

// where returns "file:line" of a part of rule i, or of the rule itself
// when the part has no line of its own.
func (pol *Policy) where(i int, parts ...string) string {
	r := &pol.Rules[i]
	for n := len(parts); n >= 0; n-- {
		if line, ok := r.lines[ruleKey(parts[:n]...)]; ok {
			return orPolicy(pol.File) + ":" + strconv.Itoa(line)
		}
	}
	w := fmt.Sprintf("rules[%d]", i)
	if pol.File != "" {
		w = pol.File + ": " + w
	}
	return w
}

func orPolicy(file string) string {
	if file == "" {
		return "policy"
	}
	return file
}

// policyReader turns a YAML document into a Policy, recording the line of
// every rule and part of one, and every problem of shape.
type policyReader struct {
	file string
	pol  *Policy
	p    *problemList
	// sawRules and badTop say that rules: was given, and an unknown key
	// at the top (perhaps rules: misspelt), so that a missing rules: is
	// reported once.
	sawRules, badTop bool
}

// spec gives the target helpers of the spec reader (pairs, str, strs,
// value) a reader of their own.
func (r *policyReader) spec() *reader {
	return &reader{file: r.file, spec: &Spec{File: r.file, lines: map[string]int{}}, p: r.p}
}

func (r *policyReader) add(n *yaml.Node, format string, args ...any) {
	r.p.add(r.file, n.Line, format, args...)
}

func (r *policyReader) top(n *yaml.Node) {
	sawVersion := false
	ok := r.spec().pairs(n, "the policy", func(k, v *yaml.Node) {
		switch k.Value {
		case "version":
			sawVersion = true
			ver, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				r.add(v, "version must be the number 1, not %s", kindName(v))
				return
			}
			if ver != 1 {
				r.add(v, "version %d is not known: write version: 1", ver)
			}
			r.pol.Version = ver
		case "rules":
			r.sawRules = true
			if v.Kind != yaml.SequenceNode {
				r.add(v, "rules must be a list (lines starting with \"- \"), not %s", kindName(v))
				return
			}
			for _, rule := range v.Content {
				r.rule(deref(rule))
			}
		default:
			if strings.HasPrefix(k.Value, "x-") {
				return // an extension field, for anchors to share
			}
			r.badTop = true
			r.add(k, "unknown key %q%s (a policy has version: and rules:, and x- keys of your own)", k.Value, didYouMean(k.Value, policyTopKeys))
		}
	})
	if ok && !sawVersion {
		r.add(n, "version: is missing (write version: 1 first)")
	}
	if ok && !r.sawRules && !r.badTop {
		r.add(n, "rules: is missing: add rules: with at least one rule")
	}
}

func (r *policyReader) rule(n *yaml.Node) {
	r.pol.Rules = append(r.pol.Rules, Rule{lines: map[string]int{"": n.Line}})
	rule := &r.pol.Rules[len(r.pol.Rules)-1]
	if n.Kind != yaml.MappingNode {
		// Reported as not a mapping below; not also as lacking its parts.
		for _, k := range []string{"@name", "@targets", "!kind"} {
			rule.lines[k] = n.Line
		}
	}
	sr := r.spec()
	var params *yaml.Node
	sr.pairs(n, "a rule", func(k, v *yaml.Node) {
		rule.lines["@"+k.Value] = k.Line
		switch k.Value {
		case "name":
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Value == "" {
				r.add(v, "name must be a text naming the rule, not %s", kindName(v))
				return
			}
			rule.Name = v.Value
		case "require", "forbid", "integration":
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Value == "" {
				r.add(v, "%s must be an integration's slug (such as jira), not %s", k.Value, kindName(v))
				rule.lines["!kind"] = k.Line
				return
			}
			switch k.Value {
			case "require":
				rule.Require = v.Value
			case "forbid":
				rule.Forbid = v.Value
			default:
				rule.Integration = v.Value
			}
		case "targets":
			if v.Kind != yaml.SequenceNode {
				r.add(v, "targets must be a list (lines starting with \"- \"), not %s", kindName(v))
				rule.lines["!targets"] = k.Line
				return
			}
			for _, t := range v.Content {
				r.target(rule, sr, deref(t))
			}
		case "parameters":
			params = v // read once the slug is known, whatever the order
		case "events":
			rule.Events = map[string]bool{}
			sr.pairs(v, "events", func(ek, ev *yaml.Node) {
				rule.lines["e:"+ek.Value] = ek.Line
				if ev.Kind != yaml.ScalarNode || ev.Tag != "!!bool" {
					r.add(ev, "events: %s must be true or false, not %s", ek.Value, kindName(ev))
					return
				}
				var b bool
				if err := ev.Decode(&b); err != nil {
					r.add(ev, "events: %s must be true or false, not %s", ek.Value, kindName(ev))
					return
				}
				rule.Events[ek.Value] = b
			})
		default:
			r.add(k, "unknown key %q in a rule%s (a rule has %s)", k.Value, didYouMean(k.Value, ruleKeys), strings.Join(ruleKeys, ", "))
		}
	})
	if params != nil {
		rule.Parameters = map[string]Condition{}
		slug := rule.Integration + rule.Require
		sr.pairs(params, "parameters", func(pk, pv *yaml.Node) {
			rule.lines["p:"+pk.Value] = pk.Line
			if c, ok := r.condition(sr, slug, pk.Value, pv); ok {
				rule.Parameters[pk.Value] = c
			}
		})
	}
}

func (r *policyReader) target(rule *Rule, sr *reader, n *yaml.Node) {
	i := len(rule.Targets)
	rule.Targets = append(rule.Targets, Target{})
	t := &rule.Targets[i]
	ti := "t" + strconv.Itoa(i)
	rule.lines[ti] = n.Line
	sr.pairs(n, "a target", func(k, v *yaml.Node) {
		rule.lines[ruleKey(ti, "@"+k.Value)] = k.Line
		if !sr.place(t, k, v) {
			rule.lines[ruleKey(ti, "!shape")] = k.Line
			hint := didYouMean(k.Value, policyTargetKeys)
			if k.Value == "integrations" {
				hint = " (a rule names its integration with require:, forbid: or integration:)"
			}
			r.add(k, "unknown key %q in a target%s (a rule's target has %s)", k.Value, hint, strings.Join(policyTargetKeys, ", "))
		}
	})
}

// condition reads one parameter's conditions: a mapping of equals:,
// one_of:, matches: and host_in:.
func (r *policyReader) condition(sr *reader, slug, param string, n *yaml.Node) (Condition, bool) {
	var c Condition
	if n.Kind != yaml.MappingNode {
		r.add(n, "parameters: %s must be conditions such as {equals: V}, {one_of: [V, …]}, {matches: \"^#ops-\"} or {host_in: [host]}, not %s", param, kindName(n))
		return c, false
	}
	ok := true
	given := 0
	text := textParam(slug, param)
	sr.pairs(n, "the conditions of "+param, func(k, v *yaml.Node) {
		given++
		what := "parameters: " + param + ": " + k.Value
		switch k.Value {
		case "equals":
			val, good := sr.value(v, what, text)
			if !good {
				ok = false
				return
			}
			c.Equals = val
		case "one_of":
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				r.add(v, "%s must be a list of the values allowed, not %s", what, kindName(v))
				ok = false
				return
			}
			for _, item := range v.Content {
				val, good := sr.value(item, what, text)
				if !good {
					ok = false
					return
				}
				c.OneOf = append(c.OneOf, val)
			}
		case "matches":
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				r.add(v, "%s must be a regular expression (a text), not %s", what, kindName(v))
				ok = false
				return
			}
			c.Matches = v.Value
		case "host_in":
			hosts := sr.strs(v, what)
			if len(hosts) == 0 {
				r.add(v, "%s must list at least one host", what)
				ok = false
				return
			}
			c.HostIn = hosts
		default:
			ok = false
			r.add(k, "unknown condition %q on %s%s (write %s)", k.Value, param, didYouMean(k.Value, conditionKeys), strings.Join(conditionKeys, ", "))
		}
	})
	if given == 0 && ok {
		r.add(n, "parameters: %s has no condition: write equals:, one_of:, matches: or host_in:", param)
		ok = false
	}
	return c, ok
}
