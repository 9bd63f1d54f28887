package fleet

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
)

// CheckOptions changes how Check reads.
type CheckOptions struct {
	// Concurrency is how many scopes are read at once (default 8). All
	// requests share the client's rate limiter.
	Concurrency int
	// Progress, when set, is called after each scope is read (from
	// several goroutines, one call at a time), with Phase "check".
	Progress func(Event)
}

// CheckReport is what Check found: every finding, and every rule checked
// on every scope it covers.
type CheckReport struct {
	// Findings lists each way GitLab breaks a rule, by rule (in the
	// policy's order) and scope.
	Findings []Finding `json:"findings"`
	// Cases holds one entry per rule and scope it covers, in the same
	// order, whether it passed or not.
	Cases []CheckCase `json:"cases"`
	// Summary counts them.
	Summary CheckSummary `json:"summary"`
}

// Finding is one way a scope breaks a rule.
type Finding struct {
	// Rule is the rule's name.
	Rule string `json:"rule"`
	// Where is the rule's place in the policy, "policy.yaml:12".
	Where string `json:"where"`
	// Scope is the project or group, written "project:acme/web".
	Scope string `json:"scope"`
	// Integration is the slug the rule is about.
	Integration string `json:"integration"`
	// Message says what is wrong: "jira is not active", `channel "#dev"
	// does not match "^#ops-"`. It holds no secret: rules cannot read one.
	Message string `json:"message"`
}

// CheckCase is one rule checked on one scope.
type CheckCase struct {
	// Rule, Where, Scope and Integration are as in Finding.
	Rule        string `json:"rule"`
	Where       string `json:"where"`
	Scope       string `json:"scope"`
	Integration string `json:"integration"`
	// Passed is true when the scope has no finding for the rule.
	Passed bool `json:"passed"`
	// Messages are the findings' messages, empty when it passed.
	Messages []string `json:"messages,omitempty"`
}

// CheckSummary counts what Check read and found.
type CheckSummary struct {
	// Rules is the number of rules of the policy.
	Rules int `json:"rules"`
	// Scopes is the number of projects and groups read.
	Scopes int `json:"scopes"`
	// Cases is the number of rules checked on scopes; Failed of them
	// have findings.
	Cases  int `json:"cases"`
	Failed int `json:"failed"`
}

// Compliant reports whether no rule has a finding.
func (r *CheckReport) Compliant() bool { return r != nil && len(r.Findings) == 0 }

// Check reads what GitLab has on every scope the policy's rules cover and
// reports every finding, each naming its rule's place in the policy. It
// reads as few requests as NewPlan: the projects of each projects_in
// group once, one List per scope (whatever the number of rules covering
// it), and a Get per scope and integration only where a rule has
// conditions on the parameters of an integration active there. Require
// and forbid rules, and conditions on events only, need no Get. Scopes are
// read Concurrency at a time under the client's limiter.
//
// An integration inherited from a group counts as active, with the
// settings it inherits (GitLab's answers carry them). A policy that does
// not validate is refused before any request; a projects_in group, a
// project or a group that does not exist, and globs that leave no
// project, are reported together in a *SpecError naming each target's
// line. When reading a scope fails otherwise, Check still reads the
// others and then returns every failure joined.
func Check(ctx context.Context, c *integrations.Client, pol *Policy, opts CheckOptions) (*CheckReport, error) {
	if c == nil {
		return nil, fmt.Errorf("fleet: Check: %w: nil client", integrations.ErrValidation)
	}
	if err := pol.Validate(); err != nil {
		return nil, err
	}
	dir := newDirectory(c)
	covered := make([][]*place, len(pol.Rules))
	var probs problemList
	for i := range pol.Rules {
		places, pr, err := expandNear(ctx, pol.targetSpec(i), dir.projects, dir.near)
		if err != nil {
			return nil, err
		}
		probs = append(probs, pr...)
		covered[i] = places
	}
	if len(probs) > 0 {
		return nil, withProblems(probs, nil).err()
	}

	// Each scope is read once, for every rule covering it.
	byText := map[string]int{}
	var scopes []*scopeRead
	for i, places := range covered {
		r := &pol.Rules[i]
		for _, pl := range places {
			k := strings.ToLower(pl.text)
			n, ok := byText[k]
			if !ok {
				n = len(scopes)
				byText[k] = n
				scopes = append(scopes, &scopeRead{place: pl, gets: map[string]bool{}})
			}
			if r.needsSettings() {
				scopes[n].gets[r.slug()] = true
			}
		}
	}
	places := make([]*place, len(scopes))
	for i, s := range scopes {
		places[i] = s.place
	}
	err := forEachPlace(ctx, places, opts.Concurrency, "check", opts.Progress, func(i int) error {
		return scopes[i].read(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fleet: check: %w", err)
	}
	for _, s := range scopes {
		if s.missing != nil {
			kind, path, _ := strings.Cut(s.place.text, ":")
			probs.addAt(s.place.where, "%s %s does not exist%s", kind, path, dir.near(ctx, path, s.place.scope.IsGroup()))
			probs[len(probs)-1].cause = s.missing
		}
	}
	if len(probs) > 0 {
		return nil, withProblems(probs, nil).err()
	}

	rep := &CheckReport{Findings: []Finding{}, Cases: []CheckCase{}}
	rep.Summary.Rules, rep.Summary.Scopes = len(pol.Rules), len(scopes)
	for i, places := range covered {
		r := &pol.Rules[i]
		for _, pl := range places {
			s := scopes[byText[strings.ToLower(pl.text)]]
			cs := CheckCase{Rule: r.Name, Where: r.Where, Scope: pl.text, Integration: r.slug()}
			cs.Messages = r.evaluate(s)
			cs.Passed = len(cs.Messages) == 0
			for _, m := range cs.Messages {
				rep.Findings = append(rep.Findings, Finding{Rule: r.Name, Where: r.Where, Scope: pl.text, Integration: r.slug(), Message: m})
			}
			rep.Cases = append(rep.Cases, cs)
			if !cs.Passed {
				rep.Summary.Failed++
			}
		}
	}
	rep.Summary.Cases = len(rep.Cases)
	return rep, nil
}

// scopeRead is what Check read of one scope: its List, and the settings
// of the integrations rules need them of.
type scopeRead struct {
	place    *place
	gets     map[string]bool // slugs whose settings a rule reads here
	active   map[string]*integrations.Integration
	settings map[string]integrations.Values
	missing  error // GitLab's answer for a scope that does not exist
}

func (s *scopeRead) read(ctx context.Context, c *integrations.Client) error {
	pl := s.place
	list, err := c.List(ctx, pl.scope)
	switch {
	case pl.scope.IsGroup() && errors.Is(err, integrations.ErrGroupNotFound),
		!pl.scope.IsGroup() && errors.Is(err, integrations.ErrProjectNotFound):
		s.missing = err
		return nil
	case err != nil:
		return fmt.Errorf("fleet: %s: %s: list integrations: %w", pl.where, pl.text, err)
	}
	s.active = map[string]*integrations.Integration{}
	for _, it := range list {
		if it.Active {
			s.active[it.Slug] = it
		}
	}
	s.settings = map[string]integrations.Values{}
	var errs []error
	for _, slug := range sortedKeys(s.gets) {
		if s.active[slug] == nil {
			continue // not active: no settings to check
		}
		d, err := c.Integration(slug)
		if err != nil {
			errs = append(errs, fmt.Errorf("fleet: %s: %s: %w", pl.where, pl.text, err))
			continue
		}
		st, err := d.Get(ctx, pl.scope)
		if err != nil {
			errs = append(errs, fmt.Errorf("fleet: %s: %s: get %s: %w", pl.where, pl.text, slug, err))
			continue
		}
		s.settings[slug] = st.Properties
	}
	return errors.Join(errs...)
}

// evaluate checks the rule on one scope read, returning what is wrong.
func (r *Rule) evaluate(s *scopeRead) []string {
	slug := r.slug()
	it := s.active[slug]
	from := ""
	if it != nil && it.Inherited {
		from = " (inherited)"
	}
	switch {
	case r.Forbid != "":
		if it != nil {
			return []string{fmt.Sprintf("%s is active%s; the rule forbids it", slug, from)}
		}
		return nil
	case it == nil && r.Require != "":
		return []string{fmt.Sprintf("%s is not active; the rule requires it", slug)}
	case it == nil:
		return nil // integration: checks settings only where active
	}
	var out []string
	for _, name := range sortedKeys(r.Events) {
		got, _ := eventFlag(it, name)
		if want := r.Events[name]; got != want {
			out = append(out, fmt.Sprintf("%s is %s%s; the rule wants it %s", name, onOff(got), from, onOff(want)))
		}
	}
	props := s.settings[slug]
	for _, name := range sortedKeys(r.Parameters) {
		for _, m := range r.Parameters[name].failures(props[name]) {
			out = append(out, name+" "+m+from)
		}
	}
	return out
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// failures says how a value GitLab reports breaks the condition, one
// message (without the parameter's name) per condition broken.
func (c Condition) failures(v any) []string {
	var out []string
	if c.Equals != nil && !sameSetting(c.Equals, v) {
		out = append(out, fmt.Sprintf("is %s; the rule wants %s", showSetting(v), showSetting(c.Equals)))
	}
	if len(c.OneOf) > 0 && !slices.ContainsFunc(c.OneOf, func(w any) bool { return sameSetting(w, v) }) {
		want := make([]string, len(c.OneOf))
		for i, w := range c.OneOf {
			want[i] = showSetting(w)
		}
		out = append(out, fmt.Sprintf("is %s; the rule wants one of %s", showSetting(v), strings.Join(want, ", ")))
	}
	if c.Matches != "" {
		for _, s := range settingTexts(v) {
			if c.re != nil && !c.re.MatchString(s) {
				out = append(out, fmt.Sprintf("%s does not match %s", strconv.Quote(s), strconv.Quote(c.Matches)))
			}
		}
	}
	if len(c.HostIn) > 0 {
		s, _ := v.(string)
		u, err := url.Parse(strings.TrimSpace(s))
		switch {
		case err != nil || u.Hostname() == "":
			out = append(out, fmt.Sprintf("is %s, not a URL with a host; the rule wants a host among %s", showSetting(v), strings.Join(c.HostIn, ", ")))
		case !hostIn(u.Hostname(), c.HostIn):
			out = append(out, fmt.Sprintf("points at host %s; the rule wants one of %s", strconv.Quote(u.Hostname()), strings.Join(c.HostIn, ", ")))
		}
	}
	return out
}

// hostIn reports whether host is one of hosts, without regard to case; an
// entry "*.example.com" takes every host under example.com.
func hostIn(host string, hosts []string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range hosts {
		h = strings.ToLower(h)
		if rest, ok := strings.CutPrefix(h, "*."); ok {
			if strings.HasSuffix(host, "."+rest) {
				return true
			}
			continue
		}
		if host == h {
			return true
		}
	}
	return false
}

// settingTexts is a text setting as a list of texts (a list's items), for
// matches:.
func settingTexts(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, item := range x {
			out = append(out, fmt.Sprint(item))
		}
		return out
	case nil:
		return []string{""}
	}
	return []string{fmt.Sprint(v)}
}

// sameSetting compares a condition's value with GitLab's, both of the
// parameter's type (nil, a setting GitLab left out, is the zero value).
func sameSetting(want, got any) bool {
	switch w := want.(type) {
	case string:
		g, _ := got.(string)
		return w == g
	case bool:
		g, _ := got.(bool)
		return w == g
	case int64:
		g, _ := got.(int64)
		return w == g
	case []string:
		g := settingTexts(got)
		if got == nil {
			g = nil
		}
		a, b := slices.Clone(w), slices.Clone(g)
		sort.Strings(a)
		sort.Strings(b)
		return slices.Equal(a, b)
	}
	return fmt.Sprint(want) == fmt.Sprint(got)
}

// showSetting writes a value for a message: texts quoted (so that a value
// from GitLab is shown as data), lists in brackets.
func showSetting(v any) string {
	switch x := v.(type) {
	case nil:
		return "not set"
	case string:
		return strconv.Quote(x)
	case []string:
		return quoteList(x)
	case []any:
		return quoteList(settingTexts(x))
	}
	return fmt.Sprint(v)
}
