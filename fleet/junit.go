package fleet

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// The JUnit XML that GitLab shows in merge requests and pipelines ("unit
// test reports", artifacts:reports:junit). GitLab's parser
// (lib/gitlab/ci/parsers/test/junit.rb) takes one top-level <testsuites>
// holding <testsuite> elements, and reads of each <testcase> the
// attributes classname, name, file (a path in the repository) and time
// (a number of seconds: to_f), the name of the <testsuite> around it as
// the suite, and a <failure>, <error> or <skipped> child, whose text (not
// its attributes) it shows as the details; a <system-out> only for an
// attachment. It keeps only the first of test cases with the same suite,
// classname and name. Older versions read the document with
// Hash.from_xml, which casts an element's text by its type attribute (and
// refuses type="yaml"): the failures' type is "policy", which it leaves
// alone; newer ones with Nokogiri, which refuses a document with a
// character XML forbids (encoding/xml writes U+FFFD for those). So a
// check writes one <testsuite> per rule, and in it one <testcase> per
// scope (classname the rule, name the scope: unique within the rule),
// with a <failure> listing the findings.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML, the format of GitLab's unit
// test reports: one test suite per rule, one test case per rule and scope
// (classname the rule's name, name the scope), a failure for a case with
// findings, its text each finding with the rule's place in the policy.
// name names the whole (the <testsuites> element), such as the policy's
// file. Text is escaped as XML requires; no secret is in a report.
func (r *CheckReport) WriteJUnit(w io.Writer, name string) error {
	out := junitSuites{Name: name}
	bySuite := map[string]int{}
	if r != nil {
		for _, cs := range r.Cases {
			n, ok := bySuite[cs.Rule]
			if !ok {
				n = len(out.Suites)
				bySuite[cs.Rule] = n
				out.Suites = append(out.Suites, junitSuite{Name: cs.Rule, Time: "0"})
			}
			s := &out.Suites[n]
			tc := junitCase{Classname: cs.Rule, Name: cs.Scope, File: policyFile(cs.Where), Time: "0"}
			if !cs.Passed {
				msgs := cs.Messages
				if len(msgs) == 0 {
					// A report built by hand may fail a case without
					// saying why: GitLab still shows it failed.
					msgs = []string{"the rule is not met"}
				}
				var b strings.Builder
				for _, m := range msgs {
					fmt.Fprintf(&b, "%s: %s: %s: %s\n", cs.Where, cs.Scope, cs.Integration, m)
				}
				msg := msgs[0]
				if len(msgs) > 1 {
					msg += fmt.Sprintf(" (and %d more)", len(msgs)-1)
				}
				tc.Failure = &junitFailure{Message: msg, Type: "policy", Text: b.String()}
				s.Failures++
				out.Failures++
			}
			s.Tests++
			out.Tests++
			s.Cases = append(s.Cases, tc)
		}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("fleet: write JUnit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("fleet: write JUnit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("fleet: write JUnit: %w", err)
	}
	return nil
}

// policyFile is the file of a "file:line" place, for a test case's file
// attribute (GitLab links it to the repository); "" for a policy built in
// Go.
func policyFile(where string) string {
	i := strings.LastIndexByte(where, ':')
	if i < 0 || lineOf(where) == 0 {
		return ""
	}
	return where[:i]
}
