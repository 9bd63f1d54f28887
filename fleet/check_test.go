package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

// pinnedPolicy is the policy of the grammar, with one rule per
// kind; its lines are asserted in findings.
const pinnedPolicy = `version: 1
rules:
  - name: jira-everywhere
    targets: [{projects_in: acme, exclude: ["acme/sandbox/**"]}]
    require: jira
  - name: no-asana
    targets: [{projects_in: acme}]
    forbid: asana
  - name: slack-channels
    targets: [{projects_in: acme}]
    integration: slack
    parameters:
      channel: {matches: "^#ops-"}
    events:
      pipeline_events: true
  - name: jira-host
    targets: [{group: acme}, {projects_in: acme}]
    integration: jira
    parameters:
      url: {host_in: [jira.example.com]}
`

// fleetForPolicy sets up acme with projects that comply with the pinned
// policy (web) and that break each rule (api, ops), and a sandbox the
// jira rule leaves out.
func fleetForPolicy(t *testing.T) (*integrationstest.Server, *integrations.Client) {
	t.Helper()
	srv, c := setup(t)
	ctx := context.Background()
	srv.AddGroup("acme")
	for _, p := range []string{"acme/web", "acme/api", "acme/ops", "acme/sandbox/tmp"} {
		require.NotZero(t, srv.AddProject(p))
	}
	set := func(scope integrations.Scope, slug string, v integrations.Values) {
		t.Helper()
		d, err := c.Integration(slug)
		require.NoError(t, err)
		_, err = d.Set(ctx, scope, v)
		require.NoError(t, err, "%s %s", scope, slug)
	}
	// No integration on acme itself: projects inherit from it once the
	// fake propagates, and these tests are about their own settings. A
	// group of its own, without projects, has jira.
	srv.AddGroup("corp")
	set(integrations.Group("corp"), "jira", integrations.Values{"url": "https://jira.corp.example.net", "password": sentinel})
	set(integrations.Project("acme/web"), "jira", integrations.Values{"url": "https://JIRA.example.com/browse", "password": sentinel})
	set(integrations.Project("acme/api"), "jira", integrations.Values{"url": "https://jira.evil.example.org", "password": sentinel})
	set(integrations.Project("acme/web"), "slack", integrations.Values{"webhook": sentinel, "channel": "#ops-web", "pipeline_events": true})
	set(integrations.Project("acme/api"), "slack", integrations.Values{"webhook": sentinel, "channel": "#dev", "pipeline_events": false})
	set(integrations.Project("acme/api"), "asana", integrations.Values{"api_key": sentinel})
	srv.ResetRequests()
	return srv, c
}

// TestCheckEachRuleKind checks the pinned policy: every finding names its
// rule's line, the scope and the integration; the compliant project and
// group have none; the excluded project is not checked by its rule.
func TestCheckEachRuleKind(t *testing.T) {
	srv, c := fleetForPolicy(t)
	pol, err := fleet.ParsePolicy("policy.yaml", []byte(pinnedPolicy))
	require.NoError(t, err)

	var events int
	rep, err := fleet.Check(context.Background(), c, pol, fleet.CheckOptions{Concurrency: 3, Progress: func(e fleet.Event) {
		assert.Equal(t, "check", e.Phase)
		events++
	}})
	require.NoError(t, err)

	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Where+" "+f.Rule+" "+f.Scope+" "+f.Integration+": "+f.Message)
	}
	assert.Equal(t, []string{
		"policy.yaml:3 jira-everywhere project:acme/ops jira: jira is not active; the rule requires it",
		"policy.yaml:6 no-asana project:acme/api asana: asana is active; the rule forbids it",
		"policy.yaml:9 slack-channels project:acme/api slack: pipeline_events is off; the rule wants it on",
		`policy.yaml:9 slack-channels project:acme/api slack: channel "#dev" does not match "^#ops-"`,
		`policy.yaml:16 jira-host project:acme/api jira: url points at host "jira.evil.example.org"; the rule wants one of jira.example.com`,
	}, got)
	assert.False(t, rep.Compliant())
	// 3 projects for jira-everywhere, 4 for each other rule, and the group.
	assert.Equal(t, fleet.CheckSummary{Rules: 4, Scopes: 5, Cases: 3 + 4 + 4 + 5, Failed: 4}, rep.Summary)
	assert.Equal(t, 5, events)
	for _, cs := range rep.Cases {
		if cs.Rule == "jira-everywhere" {
			assert.NotEqual(t, "project:acme/sandbox/tmp", cs.Scope, "excluded by the glob")
		}
		if cs.Scope == "project:acme/web" || cs.Scope == "group:acme" {
			assert.True(t, cs.Passed, "%+v", cs)
		}
	}
	out, _ := json.Marshal(rep)
	assert.NotContains(t, string(out), sentinel)
	assert.NotContains(t, string(out), "SENTINEL")
	_ = srv
}

// TestCheckReadsAsFewAsPlan: the projects of acme once, one List per
// scope whatever the number of rules, and a Get only for the rules'
// parameters of an active integration (no Get for require, forbid or
// events-only rules, none where the integration is not active).
func TestCheckReadsAsFewAsPlan(t *testing.T) {
	srv, c := fleetForPolicy(t)
	pol, err := fleet.ParsePolicy("policy.yaml", []byte(pinnedPolicy))
	require.NoError(t, err)
	_, err = fleet.Check(context.Background(), c, pol, fleet.CheckOptions{})
	require.NoError(t, err)

	var got []string
	for _, r := range requests(srv) {
		if r.Method != "GET" {
			t.Errorf("check sent %s %s", r.Method, r.Path)
		}
		got = append(got, r.Path)
	}
	assert.Equal(t, []string{
		"/api/v4/groups/acme/integrations", // jira is not active on acme: no Get
		"/api/v4/groups/acme/projects",
		"/api/v4/projects/acme%2Fapi/integrations",
		"/api/v4/projects/acme%2Fapi/integrations/jira",
		"/api/v4/projects/acme%2Fapi/integrations/slack",
		"/api/v4/projects/acme%2Fops/integrations",
		"/api/v4/projects/acme%2Fsandbox%2Ftmp/integrations",
		"/api/v4/projects/acme%2Fweb/integrations",
		"/api/v4/projects/acme%2Fweb/integrations/jira",
		"/api/v4/projects/acme%2Fweb/integrations/slack",
	}, got)

	// Events only: no Get at all.
	pol, err = fleet.ParsePolicy("events.yaml", []byte(`version: 1
rules:
  - name: slack-pipelines
    targets: [{projects_in: acme}]
    integration: slack
    events: {pipeline_events: true}
`))
	require.NoError(t, err)
	rep, err := fleet.Check(context.Background(), c, pol, fleet.CheckOptions{})
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, "project:acme/api", rep.Findings[0].Scope)
	for _, r := range requests(srv) {
		assert.False(t, strings.HasSuffix(r.Path, "/slack"), "a Get for an events-only rule: %s", r.Path)
	}
}

// TestCheckConditions checks equals, one_of, matches on a list, and
// host_in with a wildcard, passing and failing.
func TestCheckConditions(t *testing.T) {
	_, c := fleetForPolicy(t)
	pol, err := fleet.ParsePolicy("p.yaml", []byte(`version: 1
rules:
  - name: web-slack
    targets: [{project: acme/web}]
    integration: slack
    parameters:
      channel: {equals: "#ops-web", one_of: ["#ops-web", "#ops-api"]}
      notify_only_broken_pipelines: {equals: true}
  - name: api-slack
    targets: [{project: acme/api}]
    require: slack
    parameters:
      channel: {one_of: ["#ops-web", "#ops-api"]}
  - name: jira-wildcard
    targets: [{project: acme/web}, {project: acme/api}]
    integration: jira
    parameters:
      url: {host_in: ["*.example.com"]}
  - name: jira-group
    targets: [{group: corp}]
    integration: jira
    parameters:
      url: {host_in: [jira.example.com]}
`))
	require.NoError(t, err)
	rep, err := fleet.Check(context.Background(), c, pol, fleet.CheckOptions{})
	require.NoError(t, err)
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Rule+" "+f.Scope+": "+f.Message)
	}
	assert.Equal(t, []string{
		"web-slack project:acme/web: notify_only_broken_pipelines is false; the rule wants true",
		`api-slack project:acme/api: channel is "#dev"; the rule wants one of "#ops-web", "#ops-api"`,
		`jira-wildcard project:acme/api: url points at host "jira.evil.example.org"; the rule wants one of *.example.com`,
		`jira-group group:corp: url points at host "jira.corp.example.net"; the rule wants one of jira.example.com`,
	}, got)
}

// TestCheckCompliant: no finding, an empty list in JSON (not null).
func TestCheckCompliant(t *testing.T) {
	_, c := fleetForPolicy(t)
	pol, err := fleet.ParsePolicy("p.yaml", []byte("version: 1\nrules:\n  - name: web-jira\n    targets: [{project: acme/web}]\n    require: jira\n    parameters:\n      url: {matches: \"(?i)^https://jira\\\\.example\\\\.com/\"}\n"))
	require.NoError(t, err)
	rep, err := fleet.Check(context.Background(), c, pol, fleet.CheckOptions{})
	require.NoError(t, err)
	assert.True(t, rep.Compliant())
	out, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"findings":[]`)
}

// TestCheckMissingPlaces: a project, a group and a projects_in group that
// do not exist, and globs that match nothing, are errors naming the
// target's line, after reading nothing but the lists.
func TestCheckMissingPlaces(t *testing.T) {
	srv, c := fleetForPolicy(t)
	pol, err := fleet.ParsePolicy("p.yaml", []byte(`version: 1
rules:
  - name: r1
    targets:
      - projects_in: acme
        include: ["acme/nothing-*"]
    require: jira
  - name: r2
    targets: [{projects_in: nowhere}]
    require: jira
`))
	require.NoError(t, err)
	_, err = fleet.Check(context.Background(), c, pol, fleet.CheckOptions{})
	require.ErrorIs(t, err, integrations.ErrValidation)
	assert.Contains(t, err.Error(), `p.yaml:6: include ["acme/nothing-*"] matches none of the 4 projects of acme`)
	assert.Contains(t, err.Error(), "p.yaml:9: projects_in: group nowhere does not exist")
	for _, r := range requests(srv) {
		assert.NotContains(t, r.Path, "/integrations", "read integrations before refusing")
	}

	pol, err = fleet.ParsePolicy("p.yaml", []byte("version: 1\nrules:\n  - name: r\n    targets: [{project: acme/webb}, {group: acme/nope}]\n    require: jira\n"))
	require.NoError(t, err)
	_, err = fleet.Check(context.Background(), c, pol, fleet.CheckOptions{})
	var se *fleet.SpecError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Contains(t, err.Error(), "p.yaml:4: project acme/webb does not exist (did you mean acme/web?)")
	assert.Contains(t, err.Error(), "p.yaml:4: group acme/nope does not exist")
	assert.ErrorIs(t, err, integrations.ErrProjectNotFound)
}

// TestCheckReadFailure: a scope that cannot be read is an error naming
// its target's line, not a finding, and not a silent pass.
func TestCheckReadFailure(t *testing.T) {
	srv, c := fleetForPolicy(t)
	pol, err := fleet.ParsePolicy("p.yaml", []byte("version: 1\nrules:\n  - name: r\n    targets: [{project: acme/web}]\n    require: jira\n"))
	require.NoError(t, err)
	srv.FailNext(1, 500)
	_, err = fleet.Check(context.Background(), c, pol, fleet.CheckOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "p.yaml:4: project:acme/web: list integrations")
	assert.NotErrorIs(t, err, integrations.ErrValidation)
}

// junitDoc is the shape GitLab's JUnit parser reads: testsuites >
// testsuite > testcase (classname, name, file, time) > failure.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   string   `xml:"errors,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   string `xml:"errors,attr"`
		Skipped  string `xml:"skipped,attr"`
		Cases    []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			File      string `xml:"file,attr"`
			Time      string `xml:"time,attr"`
			Failure   []struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Any []xml.Name `xml:",any"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestCheckJUnit checks the JUnit XML against the shape GitLab reads: one
// suite per rule, one case per rule and scope with a name unique in its
// suite (GitLab keeps the first of duplicates), a failure per case with
// findings, and every count right; text with XML's special characters is
// escaped (the document parses back to the same text).
func TestCheckJUnit(t *testing.T) {
	_, c := fleetForPolicy(t)
	text := strings.Replace(pinnedPolicy, "name: no-asana", `name: "no <asana> & \"friends\""`, 1)
	pol, err := fleet.ParsePolicy("ci/policy.yaml", []byte(text))
	require.NoError(t, err)
	rep, err := fleet.Check(context.Background(), c, pol, fleet.CheckOptions{})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteJUnit(&buf, "ci/policy.yaml"))
	out := buf.String()
	require.True(t, strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`), out)
	assert.NotContains(t, out, sentinel)
	checkGitLabJUnit(t, out)

	dec := xml.NewDecoder(strings.NewReader(out))
	dec.Strict = true
	var doc junitDoc
	require.NoError(t, dec.Decode(&doc), out)
	assert.Equal(t, 16, doc.Tests)
	assert.Equal(t, 4, doc.Failures)
	assert.Equal(t, "0", doc.Errors)
	require.Len(t, doc.Suites, 4)
	wantSuites := []struct {
		name            string
		tests, failures int
	}{{"jira-everywhere", 3, 1}, {`no <asana> & "friends"`, 4, 1}, {"slack-channels", 4, 1}, {"jira-host", 5, 1}}
	totalCases := 0
	for i, s := range doc.Suites {
		assert.Equal(t, wantSuites[i].name, s.Name)
		assert.Equal(t, wantSuites[i].tests, s.Tests, s.Name)
		assert.Equal(t, wantSuites[i].tests, len(s.Cases), s.Name)
		assert.Equal(t, "0", s.Errors)
		assert.Equal(t, "0", s.Skipped)
		failed := 0
		names := map[string]bool{}
		for _, tc := range s.Cases {
			totalCases++
			assert.Equal(t, s.Name, tc.Classname)
			assert.False(t, names[tc.Name], "duplicate test case %q", tc.Name)
			names[tc.Name] = true
			assert.Equal(t, "ci/policy.yaml", tc.File)
			assert.Equal(t, "0", tc.Time)
			assert.LessOrEqual(t, len(tc.Failure), 1)
			for _, n := range tc.Any {
				assert.Equal(t, "failure", n.Local, "an element GitLab does not read")
			}
			if len(tc.Failure) == 1 {
				failed++
				assert.Equal(t, "policy", tc.Failure[0].Type)
				assert.NotEmpty(t, tc.Failure[0].Message)
			}
		}
		assert.Equal(t, s.Failures, failed, s.Name)
	}
	assert.Equal(t, doc.Tests, totalCases)
	slack := doc.Suites[2].Cases
	for _, tc := range slack {
		if tc.Name == "project:acme/api" {
			require.Len(t, tc.Failure, 1)
			assert.Equal(t, "pipeline_events is off; the rule wants it on (and 1 more)", tc.Failure[0].Message)
			assert.Equal(t, "ci/policy.yaml:9: project:acme/api: slack: pipeline_events is off; the rule wants it on\n"+
				"ci/policy.yaml:9: project:acme/api: slack: channel \"#dev\" does not match \"^#ops-\"\n", tc.Failure[0].Text)
		}
	}
}

// TestCheckJSONShape: the JSON names its fields as documented.
func TestCheckJSONShape(t *testing.T) {
	_, c := fleetForPolicy(t)
	pol, err := fleet.ParsePolicy("policy.yaml", []byte(pinnedPolicy))
	require.NoError(t, err)
	rep, err := fleet.Check(context.Background(), c, pol, fleet.CheckOptions{})
	require.NoError(t, err)
	data, err := json.Marshal(rep)
	require.NoError(t, err)
	var doc struct {
		Findings []struct {
			Rule, Where, Scope, Integration, Message string
		} `json:"findings"`
		Cases []struct {
			Rule, Where, Scope, Integration string
			Passed                          bool
			Messages                        []string
		} `json:"cases"`
		Summary map[string]int `json:"summary"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&doc), string(data))
	require.Len(t, doc.Findings, 5)
	assert.Equal(t, "no-asana", doc.Findings[1].Rule)
	assert.Equal(t, "policy.yaml:6", doc.Findings[1].Where)
	assert.Equal(t, "project:acme/api", doc.Findings[1].Scope)
	assert.Equal(t, "asana", doc.Findings[1].Integration)
	assert.Equal(t, map[string]int{"rules": 4, "scopes": 5, "cases": 16, "failed": 4}, doc.Summary)
	assert.Contains(t, string(data), `"rule":"no-asana","where":"policy.yaml:6","scope":"project:acme/api","integration":"asana","message":`)
}

// TestCheckInherited: a project inheriting a group's integration counts
// as active, with the settings it inherits; a finding says they are
// inherited.
func TestCheckInherited(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.AddGroup("acme")
	require.NotZero(t, srv.AddProject("acme/inh"))
	slack, err := c.Integration("slack")
	require.NoError(t, err)
	_, err = slack.Set(ctx, integrations.Group("acme"), integrations.Values{"webhook": sentinel, "channel": "#dev-all"})
	require.NoError(t, err)
	_, err = slack.Set(ctx, integrations.Project("acme/inh"), integrations.Values{"use_inherited_settings": true, "webhook": sentinel})
	require.NoError(t, err)
	list, err := c.List(ctx, integrations.Project("acme/inh"))
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.True(t, list[0].Inherited, "the fake inherits")

	pol, err := fleet.ParsePolicy("p.yaml", []byte(`version: 1
rules:
  - name: slack-required
    targets: [{project: acme/inh}]
    require: slack
  - name: slack-ops
    targets: [{project: acme/inh}]
    integration: slack
    parameters:
      channel: {matches: "^#ops-"}
`))
	require.NoError(t, err)
	rep, err := fleet.Check(ctx, c, pol, fleet.CheckOptions{})
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, "slack-ops", rep.Findings[0].Rule)
	assert.Equal(t, `channel "#dev-all" does not match "^#ops-" (inherited)`, rep.Findings[0].Message)
}
