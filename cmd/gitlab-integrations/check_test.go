package main

import (
	"encoding/xml"
	"strings"
	"testing"
)

// checkPolicy requires jira on every project of acme but the sandbox,
// forbids asana, and wants slack channels under #ops-.
const checkPolicy = `version: 1
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
`

// checkFixture sets up acme/web compliant, acme/api with jira and a slack
// channel outside #ops- whose name holds an escape sequence, and an
// empty acme/sandbox/tmp.
func checkFixture(t *testing.T) []string {
	t.Helper()
	srv := newServer(t, "acme/web", "acme/api", "acme/sandbox/tmp")
	e := append(env(srv), "SLACK_WEBHOOK="+sentinel)
	cli(t, e, "set", "jira", "--project", "acme/web", "-q", "url=https://jira.example.com", "password=${env:SLACK_WEBHOOK}").ok(t)
	cli(t, e, "set", "jira", "--project", "acme/api", "-q", "url=https://jira.example.com", "password=${env:SLACK_WEBHOOK}").ok(t)
	cli(t, e, "set", "slack", "--project", "acme/web", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#ops-web", "pipeline_events=true").ok(t)
	cli(t, e, "set", "slack", "--project", "acme/api", "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#dev\x1b[31m", "pipeline_events=true").ok(t)
	return e
}

// TestCheckExitCodes: 0 compliant, 2 findings, 1 an error (a bad policy,
// a bad output format), through the built binary.
func TestCheckExitCodes(t *testing.T) {
	e := checkFixture(t)

	compliant := writeSpec(t, "version: 1\nrules:\n  - name: web\n    targets: [{project: acme/web}]\n    require: jira\n")
	r := cli(t, e, "check", "-f", compliant).ok(t)
	if r.stdout != "Compliant: 1 checks passed (1 rules on 1 projects and groups).\n" {
		t.Errorf("check compliant:\n%s", r.stdout)
	}

	path := writeSpec(t, checkPolicy)
	r = cli(t, e, "check", "-f", path, "-q")
	if r.code != exitFindings || r.stderr != "" {
		t.Fatalf("check with findings: exit %d, want 2; stderr %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	want := []string{
		"WHERE RULE SCOPE INTEGRATION FINDING",
		path + `:9 slack-channels project:acme/api slack channel "#dev\x1b[31m" does not match "^#ops-"`,
		"1 finding: 1 of 8 checks failed (3 rules on 3 projects and groups).",
	}
	if len(lines) != len(want) {
		t.Fatalf("check table:\n%s", r.stdout)
	}
	for i := range want {
		if strings.Join(strings.Fields(lines[i]), " ") != want[i] {
			t.Errorf("check table line %d:\n%q\nwant\n%q", i, lines[i], want[i])
		}
	}
	if strings.ContainsRune(r.stdout, 0x1b) {
		t.Errorf("the table holds an escape character from GitLab")
	}

	bad := writeSpec(t, "version: 1\nrules:\n  - name: r\n    targets: [{projects_in: acme}]\n    integration: slack\n    parameters:\n      webhook: {matches: x}\n")
	cli(t, e, "check", "-f", bad).fails(t, exitError, bad+":7: slack.webhook is a secret, and secrets cannot be read from GitLab")
	typo := writeSpec(t, "version: 1\nrules:\n  - name: r\n    targets: [{projects_in: acme}]\n    requir: jira\n")
	cli(t, e, "check", "-f", typo).fails(t, exitError, typo+`:5: unknown key "requir" in a rule (did you mean "require"?)`)
	glob := writeSpec(t, "version: 1\nrules:\n  - name: r\n    targets: [{projects_in: acme, include: [\"acme/nope/*\"]}]\n    require: jira\n")
	cli(t, e, "check", "-f", glob).fails(t, exitError, glob+`:4: include ["acme/nope/*"] matches none of the 3 projects of acme`)
	cli(t, e, "check", "-f", path, "-o", "yaml").fails(t, exitError, "--output yaml: this command prints table, json, junit")
}

// TestCheckJSONAndJUnitOutput: the JSON findings and the JUnit XML, both
// holding the finding with its rule's line, no secret, and in JUnit one
// case per rule and scope.
func TestCheckJSONAndJUnitOutput(t *testing.T) {
	e := checkFixture(t)
	path := writeSpec(t, checkPolicy)

	r := cli(t, e, "check", "-f", path, "-o", "json", "-q")
	if r.code != exitFindings {
		t.Fatalf("check -o json: exit %d: %s", r.code, r.stderr)
	}
	type finding struct{ Rule, Where, Scope, Integration, Message string }
	doc := decodeJSON[struct {
		Findings []finding `json:"findings"`
		Cases    []struct {
			Rule, Where, Scope, Integration string
			Passed                          bool
			Messages                        []string
		} `json:"cases"`
		Summary struct{ Rules, Scopes, Cases, Failed int } `json:"summary"`
	}](t, r.stdout)
	if len(doc.Findings) != 1 || doc.Findings[0] != (finding{"slack-channels", path + ":9", "project:acme/api", "slack", `channel "#dev\x1b[31m" does not match "^#ops-"`}) {
		t.Errorf("check JSON findings: %+v", doc.Findings)
	}
	if doc.Summary.Cases != 8 || doc.Summary.Failed != 1 || len(doc.Cases) != 8 {
		t.Errorf("check JSON summary: %+v", doc.Summary)
	}

	r = cli(t, e, "check", "-f", path, "-o", "junit", "-q")
	if r.code != exitFindings {
		t.Fatalf("check -o junit: exit %d: %s", r.code, r.stderr)
	}
	var x struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Classname string `xml:"classname,attr"`
				Name      string `xml:"name,attr"`
				Failure   *struct {
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	dec := xml.NewDecoder(strings.NewReader(r.stdout))
	dec.Strict = true
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("check -o junit is not XML: %v\n%s", err, r.stdout)
	}
	if x.Tests != 8 || x.Failures != 1 || len(x.Suites) != 3 || x.Suites[0].Name != "jira-everywhere" || x.Suites[0].Tests != 2 {
		t.Fatalf("check JUnit counts: %+v", x)
	}
	failed := 0
	for _, s := range x.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil {
				failed++
				if s.Name != "slack-channels" || c.Name != "project:acme/api" || !strings.HasPrefix(c.Failure.Text, path+":9: project:acme/api: slack: channel") {
					t.Errorf("check JUnit failure: %s %s %q", s.Name, c.Name, c.Failure.Text)
				}
			}
		}
	}
	if failed != 1 {
		t.Errorf("check JUnit: %d failures, want 1", failed)
	}
}
