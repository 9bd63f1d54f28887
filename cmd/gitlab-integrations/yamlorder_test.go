package main

import (
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// -o yaml names and orders the keys as -o json does, on every command
// that prints data.
func TestYAMLInJSONOrder(t *testing.T) {
	srv := newServer(t, "acme/web")
	e := append(env(srv), "HOOK="+sentinel)
	cli(t, e, "set", "slack", "-p", "acme/web", "-q", "webhook=${env:HOOK}", "channel=#deploys").ok(t)
	spec := writeSpec(t, fleetSpec)
	for _, args := range [][]string{
		{"catalog"},
		{"catalog", "jira"},
		{"version"},
		{"get", "slack", "-p", "acme/web"},
		{"list", "-p", "acme/web"},
		{"audit", "--projects-in", "acme", "-q"},
		{"plan", "-f", spec, "-q"},
	} {
		js := cli(t, append(e, "SLACK_WEBHOOK="+sentinel), append(args, "-o", "json")...)
		ym := cli(t, append(e, "SLACK_WEBHOOK="+sentinel), append(args, "-o", "yaml")...)
		if js.code != ym.code || (js.code != 0 && js.code != exitChanges) {
			t.Fatalf("%v: exit %d and %d\n%s%s", args, js.code, ym.code, js.stderr, ym.stderr)
		}
		jk, yk := jsonKeys(t, js.stdout), yamlKeys(t, ym.stdout)
		if len(jk) < 3 || !slices.Equal(jk, yk) {
			t.Errorf("%v: JSON keys %v\nYAML keys %v", args, jk, yk)
		}
	}
}

// jsonKeys lists the object keys of a JSON document in order.
func jsonKeys(t *testing.T, s string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	var keys []string
	var inObject []bool
	expectKey := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return keys
		}
		if err != nil {
			t.Fatalf("JSON: %v\n%s", err, s)
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				inObject = append(inObject, true)
				expectKey = true
				continue
			case '[':
				inObject = append(inObject, false)
			default:
				inObject = inObject[:len(inObject)-1]
			}
		case string:
			if expectKey {
				keys = append(keys, v)
				expectKey = false
				continue
			}
		}
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}

// yamlKeys lists the mapping keys of a YAML document in order.
func yamlKeys(t *testing.T, s string) []string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatalf("YAML: %v\n%s", err, s)
	}
	var keys []string
	var walkNode func(n *yaml.Node)
	walkNode = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				keys = append(keys, n.Content[i].Value)
				walkNode(n.Content[i+1])
			}
			return
		}
		for _, c := range n.Content {
			walkNode(c)
		}
	}
	walkNode(&doc)
	return keys
}
