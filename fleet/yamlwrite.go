package fleet

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
	"go.yaml.in/yaml/v3"
)

// WriteYAML writes the spec as YAML that ParseSpec reads back to the same
// spec: targets in order, integrations by slug, parameters in the
// catalog's order. References stay as written; a spec from Export has
// nothing but references for its secrets.
func (s *Spec) WriteYAML(w io.Writer) error {
	root := mapping()
	version := s.Version
	if version == 0 {
		version = 1
	}
	addPair(root, "version", scalar("!!int", strconv.Itoa(version)))
	targets := &yaml.Node{Kind: yaml.SequenceNode}
	for _, t := range s.Targets {
		tn := mapping()
		switch {
		case t.ProjectsIn != "":
			addPair(tn, "projects_in", scalar("!!str", t.ProjectsIn))
		case t.Project != "":
			addPair(tn, "project", scalar("!!str", t.Project))
		case t.Group != "":
			addPair(tn, "group", scalar("!!str", t.Group))
		}
		if len(t.Include) > 0 {
			addPair(tn, "include", strList(t.Include))
		}
		if len(t.Exclude) > 0 {
			addPair(tn, "exclude", strList(t.Exclude))
		}
		in := mapping()
		for _, slug := range sortedKeys(t.Integrations) {
			d := t.Integrations[slug]
			if d.State == Absent || d.State == Inherit {
				addPair(in, slug, scalar("!!str", string(d.State)))
				continue
			}
			if len(d.Params) == 0 {
				addPair(in, slug, scalar("!!str", string(Present)))
				continue
			}
			pn := mapping()
			info, _ := integrations.Lookup(slug)
			names := paramOrder(info, d.Params)
			for _, k := range sortedKeys(d.Params) {
				if _, ok := info.Parameter(k); !ok {
					names = append(names, k)
				}
			}
			for _, name := range names {
				vn, err := valueNode(d.Params[name])
				if err != nil {
					return fmt.Errorf("fleet: write spec: %s.%s: %w", slug, name, err)
				}
				if slices.Contains(d.NewSecrets, name) && vn.Kind == yaml.ScalarNode {
					vn.Tag, vn.Style = newSecretTag, 0
				}
				addPair(pn, name, vn)
			}
			addPair(in, slug, pn)
		}
		addPair(tn, "integrations", in)
		targets.Content = append(targets.Content, tn)
	}
	addPair(root, "targets", targets)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return fmt.Errorf("fleet: write spec: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("fleet: write spec: %w", err)
	}
	return nil
}

// literal turns a value read from GitLab (or anywhere but a spec) into
// spec text: every "${" becomes "$${", so that text a project maintainer
// typed into GitLab's web page is written, planned and sent as that text
// and never becomes a reference resolved on the operator's machine.
// Everything that builds a spec from GitLab's values (Export) goes
// through it; values that are not strings are returned as they are.
func literal(v any) any {
	switch x := v.(type) {
	case string:
		return literalText(x)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = literalText(s)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = literal(e)
		}
		return out
	}
	return v
}

func literalText(s string) string { return strings.ReplaceAll(s, "${", "$${") }

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func scalar(tag, v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v} }

func addPair(m *yaml.Node, k string, v *yaml.Node) {
	m.Content = append(m.Content, scalar("!!str", k), v)
}

func strList(l []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range l {
		n.Content = append(n.Content, scalar("!!str", s))
	}
	return n
}

// valueNode writes a parameter value; a value of another type than the
// spec's own is an error that names the type, never the value.
func valueNode(v any) (*yaml.Node, error) {
	switch x := v.(type) {
	case string:
		return scalar("!!str", x), nil
	case floatText:
		return scalar("!!str", string(x)), nil
	case bool:
		return scalar("!!bool", strconv.FormatBool(x)), nil
	case int:
		return scalar("!!int", strconv.Itoa(x)), nil
	case int64:
		return scalar("!!int", strconv.FormatInt(x, 10)), nil
	case []string:
		return strList(x), nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, e := range x {
			en, err := valueNode(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, en)
		}
		return n, nil
	}
	return nil, fmt.Errorf("cannot write %s as YAML", describe(v))
}
