package integrations

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestParseScope(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]Scope{
		"project:acme/web":     Project("acme/web"),
		"project:acme/web.app": Project("acme/web.app"),
		"project:42":           ProjectID(42),
		"group:acme/sub":       Group("acme/sub"),
		"group:7":              GroupID(7),
	} {
		got, err := ParseScope(text)
		require.NoError(t, err, text)
		assert.Equal(t, want, got, text)
		out, err := got.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, text, string(out))
	}
	for text, msg := range map[string]string{
		"acme/web":                     "write it as project:PATH",
		"repo:acme/web":                `"repo" is neither project nor group`,
		"project:":                     "empty project reference",
		"group:0":                      "group IDs are above zero",
		"project:0":                    "project IDs are above zero",
		"project:000":                  "project IDs are above zero",
		"project:-5":                   "project IDs are above zero",
		"group:-1":                     "group IDs are above zero",
		"project:a//b":                 "empty segment",
		"project:a b":                  "space",
		"group:../x":                   `".." segment`,
		"project:99999999999999999999": "out of range",
		"":                             "write it as project:PATH",
	} {
		_, err := ParseScope(text)
		require.ErrorIs(t, err, ErrValidation, text)
		assert.Contains(t, err.Error(), msg, text)
	}
	_, err := Scope{}.MarshalText()
	require.ErrorIs(t, err, ErrValidation, "the zero Scope names nothing")
	assert.True(t, Scope{}.IsZero())
	assert.False(t, GroupID(1).IsZero())
}

// TestScopeAsJSONAndYAML: a Scope is a JSON string, a JSON map key and a
// YAML scalar, in ParseScope's form.
func TestScopeAsJSONAndYAML(t *testing.T) {
	t.Parallel()
	type doc struct {
		Where  Scope         `json:"where" yaml:"where"`
		Counts map[Scope]int `json:"counts" yaml:"counts"`
		List   []Scope       `json:"list" yaml:"list"`
	}
	in := doc{Where: Project("acme/web"), Counts: map[Scope]int{GroupID(7): 2}, List: []Scope{Group("acme"), ProjectID(3)}}
	data, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"where":"project:acme/web","counts":{"group:7":2},"list":["group:acme","project:3"]}`, string(data))
	var back doc
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, in, back)

	y, err := yaml.Marshal(in)
	require.NoError(t, err)
	assert.Contains(t, string(y), "where: project:acme/web")
	var yback doc
	require.NoError(t, yaml.Unmarshal(y, &yback))
	assert.Equal(t, in, yback)

	require.Error(t, json.Unmarshal([]byte(`{"where":"nowhere"}`), &back))
	_, err = json.Marshal(doc{})
	require.Error(t, err, "the zero Scope does not marshal")
}
