package fleet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// TestParsePolicyErrors: each mistake is refused with its file:line and
// what would be right, before any request (ParsePolicy makes none).
func TestParsePolicyErrors(t *testing.T) {
	const head = "version: 1\nrules:\n"
	rule := func(body string) string {
		return head + "  - name: r\n    targets: [{projects_in: acme}]\n" + body
	}
	for _, tc := range []struct{ name, text, want string }{
		{"empty", "", `p.yaml:1: empty policy (want version: 1 and rules:)`},
		{"not yaml", "version: 1\nrules: [\n", `p.yaml:2: not a YAML document`},
		{"no version", "rules:\n  - name: r\n    targets: [{project: a/b}]\n    require: jira\n", `p.yaml:1: version: is missing`},
		{"version 2", "version: 2\nrules: []\n", `p.yaml:1: version 2 is not known: write version: 1`},
		{"no rules", "version: 1\n", `p.yaml:1: rules: is missing`},
		{"unknown top key", "version: 1\nrule:\n  - name: r\n", `p.yaml:2: unknown key "rule" (did you mean "rules"?)`},
		{"unknown rule key", rule("    requires: jira\n"), `p.yaml:5: unknown key "requires" in a rule (did you mean "require"?)`},
		{"unknown slug", rule("    require: jiraa\n"), `p.yaml:5: unknown integration "jiraa" (did you mean "jira"?)`},
		{"unknown parameter", rule("    integration: slack\n    parameters:\n      chanel: {equals: \"#ops\"}\n"), `p.yaml:7: slack has no parameter "chanel" (did you mean "channel"?)`},
		{"invalid regexp", rule("    integration: slack\n    parameters:\n      channel: {matches: \"^(#ops\"}\n"), `p.yaml:7: channel: matches: "^(#ops" is not a valid regular expression: missing closing )`},
		{"no kind", rule(""), `p.yaml:3: rule checks nothing: give one of require:`},
		{"two kinds", rule("    require: jira\n    forbid: asana\n"), `p.yaml:3: rule gives require: and forbid: at once`},
		{"secret", rule("    integration: slack\n    parameters:\n      webhook: {matches: \"^https://\"}\n"), `p.yaml:7: slack.webhook is a secret, and secrets cannot be read from GitLab`},
		{"secret of require", rule("    require: jira\n    parameters:\n      password: {equals: x}\n"), `p.yaml:7: jira.password is a secret, and secrets cannot be read from GitLab`},
		{"duplicate name", head + "  - name: r\n    targets: [{project: a/b}]\n    require: jira\n  - name: r\n    targets: [{project: a/b}]\n    forbid: asana\n", `p.yaml:6: rule name "r" is already used by the rule at p.yaml:3`},
		{"no name", head + "  - targets: [{project: a/b}]\n    require: jira\n", `p.yaml:3: rule has no name: add name:`},
		{"no targets", head + "  - name: r\n    require: jira\n", `p.yaml:3: rule has no targets`},
		{"unknown target key", head + "  - name: r\n    targets: [{projectsin: acme}]\n    require: jira\n", `p.yaml:4: unknown key "projectsin" in a target (did you mean "projects_in"?)`},
		{"integrations in a target", head + "  - name: r\n    targets: [{project: a/b, integrations: {jira: present}}]\n    require: jira\n", `p.yaml:4: unknown key "integrations" in a target (a rule names its integration with require:, forbid: or integration:)`},
		{"two places", head + "  - name: r\n    targets: [{project: a/b, group: a}]\n    require: jira\n", `p.yaml:4: target names project and group at once`},
		{"bad glob use", head + "  - name: r\n    targets: [{project: a/b, exclude: [\"x\"]}]\n    require: jira\n", `p.yaml:4: include: and exclude: filter the projects of projects_in:`},
		{"unknown condition", rule("    integration: slack\n    parameters:\n      channel: {match: \"^#\"}\n"), `p.yaml:7: unknown condition "match" on channel (did you mean "matches"?)`},
		{"condition not a mapping", rule("    integration: slack\n    parameters:\n      channel: \"#ops\"\n"), `p.yaml:7: parameters: channel must be conditions such as {equals: V}`},
		{"equals of the wrong type", rule("    integration: slack\n    parameters:\n      notify_only_broken_pipelines: {equals: \"yes\"}\n"), `p.yaml:7: notify_only_broken_pipelines: equals: notify_only_broken_pipelines is a boolean (true or false), not a text`},
		{"matches on a boolean", rule("    integration: slack\n    parameters:\n      notify_only_broken_pipelines: {matches: \"t\"}\n"), `p.yaml:7: notify_only_broken_pipelines: matches: applies to text`},
		{"host_in not a host", rule("    integration: jira\n    parameters:\n      url: {host_in: [\"https://jira.example.com\"]}\n"), `p.yaml:7: url: host_in: "https://jira.example.com" is not a host name`},
		{"event as a parameter", rule("    integration: slack\n    parameters:\n      pipeline_events: {equals: true}\n"), `p.yaml:7: pipeline_events is an event flag: write it under events:`},
		{"unknown event", rule("    integration: slack\n    events:\n      pipeline_event: true\n"), `p.yaml:7: slack has no event "pipeline_event" (did you mean "pipeline_events"?)`},
		{"event not a boolean", rule("    integration: slack\n    events:\n      pipeline_events: yes please\n"), `p.yaml:7: events: pipeline_events must be true or false`},
		{"forbid with parameters", rule("    forbid: slack\n    parameters:\n      channel: {equals: \"#x\"}\n"), `p.yaml:5: forbid: takes no parameters: or events:`},
		{"integration without conditions", rule("    integration: slack\n"), `p.yaml:5: integration: slack checks settings: add parameters: or events:`},
		{"not reported by GitLab", rule("    integration: slack\n    parameters:\n      use_inherited_settings: {equals: true}\n"), `p.yaml:7: GitLab does not report slack.use_inherited_settings in its answers`},
		{"event the SDK does not read", rule("    integration: slack\n    events:\n      work_item_events: true\n"), `p.yaml:7: events: work_item_events is not in GitLab's answers as this SDK reads them`},
		{"rule not a mapping", head + "  - jira\n", `p.yaml:3: a rule must be a mapping`},
		{"a control character", "version: 1\n\x1b[2J\n", `p.yaml:2: a control character (U+001B) in the policy; a policy is text`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fleet.ParsePolicy("p.yaml", []byte(tc.text))
			require.Error(t, err)
			assert.ErrorIs(t, err, integrations.ErrValidation)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestParsePolicyReadsThePinnedGrammar reads the example: every
// rule kind, its line, its conditions as typed values.
func TestParsePolicyReadsThePinnedGrammar(t *testing.T) {
	pol, err := fleet.ParsePolicy("policy.yaml", []byte(pinnedPolicy))
	require.NoError(t, err)
	require.Len(t, pol.Rules, 4)
	r := pol.Rules
	assert.Equal(t, "jira", r[0].Require)
	assert.Equal(t, []fleet.Target{{ProjectsIn: "acme", Exclude: []string{"acme/sandbox/**"}}}, r[0].Targets)
	assert.Equal(t, "asana", r[1].Forbid)
	assert.Equal(t, "slack", r[2].Integration)
	assert.Equal(t, "^#ops-", r[2].Parameters["channel"].Matches)
	assert.Equal(t, map[string]bool{"pipeline_events": true}, r[2].Events)
	assert.Equal(t, []string{"jira.example.com"}, r[3].Parameters["url"].HostIn)
	assert.Equal(t, []string{"policy.yaml:3", "policy.yaml:6", "policy.yaml:9", "policy.yaml:16"},
		[]string{r[0].Where, r[1].Where, r[2].Where, r[3].Where})

	// A plain scalar for a text parameter is its text, as in a spec; a
	// number for an integer parameter is a number.
	pol, err = fleet.ParsePolicy("p.yaml", []byte("version: 1\nrules:\n  - name: r\n    targets: [{project: a/b}]\n    integration: jira\n    parameters:\n      jira_issue_transition_id: {equals: 0042}\n      jira_auth_type: {one_of: [0, 1]}\n"))
	require.NoError(t, err)
	assert.Equal(t, "0042", pol.Rules[0].Parameters["jira_issue_transition_id"].Equals)
	assert.Equal(t, []any{int64(0), int64(1)}, pol.Rules[0].Parameters["jira_auth_type"].OneOf)
}

// TestPolicyBuiltInGo: Validate checks a policy built in Go, naming the
// rule by its index; zero values are errors, not panics.
func TestPolicyBuiltInGo(t *testing.T) {
	var nilPolicy *fleet.Policy
	require.ErrorIs(t, nilPolicy.Validate(), integrations.ErrValidation)
	require.ErrorIs(t, (&fleet.Policy{}).Validate(), integrations.ErrValidation)
	err := (&fleet.Policy{Version: 1, Rules: []fleet.Rule{{}, {Name: "x", Targets: []fleet.Target{{Project: "a/b"}}, Integration: "slack",
		Parameters: map[string]fleet.Condition{"channel": {Matches: "("}}}}}).Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rules[0]: rule has no name")
	assert.Contains(t, err.Error(), "rules[0]: rule has no targets")
	assert.Contains(t, err.Error(), `rules[1]: channel: matches: "(" is not a valid regular expression`)
	ok := &fleet.Policy{Version: 1, Rules: []fleet.Rule{{Name: "x", Targets: []fleet.Target{{Project: "a/b"}}, Integration: "jira",
		Parameters: map[string]fleet.Condition{"jira_auth_type": {Equals: 1}}}}}
	require.NoError(t, ok.Validate())
	assert.Equal(t, int64(1), ok.Rules[0].Parameters["jira_auth_type"].Equals)
}

// TestLoadPolicyBounds: a policy is read as a spec is: a regular file of
// at most MaxSpecSize, refused before it is read.
func TestLoadPolicyBounds(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	require.NoError(t, os.WriteFile(big, []byte("version: 1\n"+strings.Repeat("#", fleet.MaxSpecSize)), 0o600))
	_, err := fleet.LoadPolicy(big)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a policy is at most 16 MiB")
	_, err = fleet.LoadPolicy(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read policy")

	// Aliases are bounded as in a spec.
	var b strings.Builder
	b.WriteString("version: 1\nx-a: &a [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("x")
	}
	b.WriteString("]\nx-b: &b [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("*a")
	}
	b.WriteString("]\nrules: []\n")
	_, err = fleet.ParsePolicy("p.yaml", []byte(b.String()))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the aliases (*name) of the policy repeat more than 250,000 YAML nodes")
}

// FuzzParsePolicy: any input is a policy or an error, never a panic, and
// a policy read validates again.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(pinnedPolicy))
	f.Add([]byte("version: 1\nrules:\n  - name: r\n    targets: [{project: a/b}]\n    require: jira\n    parameters:\n      url: {equals: x, one_of: [y], matches: z, host_in: [h]}\n"))
	f.Add([]byte("version: 1\nx-a: &a {projects_in: acme}\nrules:\n  - name: r\n    targets: [*a, *a]\n    forbid: asana\n  - <<: {name: s}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pol, err := fleet.ParsePolicy("p.yaml", data)
		if err != nil {
			if !strings.Contains(err.Error(), "p.yaml") {
				t.Errorf("an error without its file: %v", err)
			}
			return
		}
		if err := pol.Validate(); err != nil {
			t.Errorf("a policy read does not validate again: %v", err)
		}
	})
}
