package fleet_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations/fleet"
)

// gitLabJUnit says, of each element GitLab's JUnit parser reads
// (lib/gitlab/ci/parsers/test/junit.rb), where it may stand and which
// attributes it may carry: "int" and "number" attributes must parse as
// such (GitLab takes a case's time with to_f, and a report tool the
// counts), "text" ones may hold anything.
var gitLabJUnit = map[string]struct {
	parent   string
	attrs    map[string]string
	required []string
}{
	"testsuites": {"", map[string]string{"name": "text", "tests": "int", "failures": "int", "errors": "int"}, []string{"tests", "failures"}},
	"testsuite":  {"testsuites", map[string]string{"name": "text", "tests": "int", "failures": "int", "errors": "int", "skipped": "int", "time": "number"}, []string{"name", "tests", "failures"}},
	"testcase":   {"testsuite", map[string]string{"classname": "text", "name": "text", "file": "text", "time": "number"}, []string{"classname", "name", "time"}},
	"failure":    {"testcase", map[string]string{"message": "text", "type": "text"}, nil},
}

// activeSupportTypes are the values of a type attribute that GitLab's
// older parser (Hash.from_xml) acts on: it casts the element's text to
// them, or refuses the whole document (yaml, symbol).
var activeSupportTypes = []string{"array", "hash", "symbol", "yaml", "date", "datetime", "dateTime", "integer", "float", "decimal", "boolean", "string", "double", "base64Binary", "binary", "file"}

// junitT is what checkGitLabJUnit reports to: a *testing.T, or a
// recorder in the test of the check itself.
type junitT interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
}

// recorder is a junitT that only notes a failure; FailNow ends the
// goroutine, as testing.T's does.
type recorder struct{ failed bool }

func (*recorder) Helper()                 {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) FailNow()              { r.failed = true; runtime.Goexit() }

// checkGitLabJUnit fails t unless doc is well-formed XML (as strict as
// Nokogiri, which GitLab parses with: no character XML forbids) made only
// of the elements GitLab reads, each in its place, with the attributes it
// reads of the right kind, text only inside <failure>, and each test
// case's name unique in its suite (GitLab keeps the first of duplicates).
// It returns the number of test cases and of failures.
func checkGitLabJUnit(t junitT, doc string) (cases, failures int) {
	t.Helper()
	require.True(t, strings.HasPrefix(doc, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"), "no XML declaration:\n%s", doc)
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = true
	var stack []string
	roots := 0
	names := map[string]bool{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "not well-formed XML:\n%s", doc)
		switch tok := tok.(type) {
		case xml.StartElement:
			el := tok.Name.Local
			spec, ok := gitLabJUnit[el]
			require.True(t, ok, "<%s>: an element GitLab's parser does not read", el)
			require.Empty(t, tok.Name.Space, "<%s> in a namespace", el)
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			require.Equal(t, spec.parent, parent, "<%s> inside <%s>", el, parent)
			if el == "testsuites" {
				roots++
			}
			if el == "testsuite" {
				names = map[string]bool{}
			}
			got := map[string]string{}
			for _, a := range tok.Attr {
				kind, ok := spec.attrs[a.Name.Local]
				require.True(t, ok, "<%s %s=…>: an attribute GitLab does not read", el, a.Name.Local)
				got[a.Name.Local] = a.Value
				switch kind {
				case "int":
					n, err := strconv.Atoi(a.Value)
					assert.NoError(t, err, "<%s %s=%q>", el, a.Name.Local, a.Value)
					assert.GreaterOrEqual(t, n, 0, "<%s %s=%q>", el, a.Name.Local, a.Value)
				case "number":
					f, err := strconv.ParseFloat(a.Value, 64)
					assert.NoError(t, err, "<%s %s=%q>", el, a.Name.Local, a.Value)
					assert.GreaterOrEqual(t, f, 0.0, "<%s %s=%q>", el, a.Name.Local, a.Value)
				}
			}
			for _, r := range spec.required {
				assert.Contains(t, got, r, "<%s> without %s", el, r)
			}
			switch el {
			case "testcase":
				cases++
				assert.NotEmpty(t, got["name"], "a test case without a name")
				assert.False(t, names[got["name"]], "test case %q twice in its suite", got["name"])
				names[got["name"]] = true
			case "failure":
				failures++
				assert.NotContains(t, activeSupportTypes, got["type"], "a failure's type that Hash.from_xml casts to")
			}
			stack = append(stack, el)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 || stack[len(stack)-1] != "failure" {
				assert.Empty(t, strings.TrimSpace(string(tok)), "text outside <failure>")
			}
		case xml.ProcInst:
			assert.Equal(t, "xml", tok.Target)
		default:
			t.Errorf("%T in the document: %v", tok, tok)
		}
	}
	assert.Equal(t, 1, roots, "GitLab reads one top-level <testsuites>")
	return cases, failures
}

// TestJUnitForGitLab: what check -o junit writes is a document GitLab's
// parser reads whole, whatever the report holds: text from GitLab with
// characters XML forbids, a failed case without messages (a report built
// by hand), a place without a line, no cases at all.
func TestJUnitForGitLab(t *testing.T) {
	rep := &fleet.CheckReport{Cases: []fleet.CheckCase{
		{Rule: "slack <ops> & \"friends\"", Where: "ci/policy.yaml:3", Scope: "project:acme/web", Integration: "slack", Passed: true},
		{Rule: "slack <ops> & \"friends\"", Where: "ci/policy.yaml:3", Scope: "project:acme/api", Integration: "slack",
			Messages: []string{"channel \"#dev\x1b[31m\x00\" does not match \"^#ops-\"", "pipeline_events is off\r\nand ]]> too"}},
		{Rule: "jira", Where: "built in Go", Scope: "group:acme\x07", Integration: "jira"},
	}}
	var buf bytes.Buffer
	require.NoError(t, rep.WriteJUnit(&buf, "ci/policy.yaml"))
	doc := buf.String()
	cases, failures := checkGitLabJUnit(t, doc)
	assert.Equal(t, 3, cases)
	assert.Equal(t, 2, failures)
	assert.NotContains(t, doc, "\x1b")
	assert.Contains(t, doc, `classname="slack &lt;ops&gt; &amp; &#34;friends&#34;"`)

	// The counts GitLab shows are those of the cases.
	var x struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				File    string `xml:"file,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &x))
	assert.Equal(t, 3, x.Tests)
	assert.Equal(t, 2, x.Failures)
	require.Len(t, x.Suites, 2)
	assert.Equal(t, "ci/policy.yaml", x.Suites[0].Cases[0].File)
	assert.Empty(t, x.Suites[1].Cases[0].File, "no file for a place without a line")
	jira := x.Suites[1].Cases[0].Failure
	require.NotNil(t, jira, "a failed case without messages")
	assert.Equal(t, "the rule is not met", jira.Message)
	assert.Equal(t, "built in Go: group:acme\uFFFD: jira: the rule is not met\n", jira.Text)

	for _, empty := range []*fleet.CheckReport{nil, {}} {
		buf.Reset()
		require.NoError(t, empty.WriteJUnit(&buf, "p.yaml"))
		cases, _ := checkGitLabJUnit(t, buf.String())
		assert.Zero(t, cases)
		assert.Contains(t, buf.String(), `<testsuites name="p.yaml" tests="0" failures="0" errors="0"></testsuites>`)
	}
}

// The check of the shape fails on what GitLab would not read: the test
// of the test.
func TestCheckGitLabJUnitRefuses(t *testing.T) {
	head := `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	for name, doc := range map[string]string{
		"testcase outside a suite": head + `<testsuites tests="1" failures="0"><testcase classname="c" name="n" time="0"></testcase></testsuites>`,
		"time not a number":        head + `<testsuites tests="1" failures="0"><testsuite name="s" tests="1" failures="0"><testcase classname="c" name="n" time="0s"></testcase></testsuite></testsuites>`,
		"an element not read":      head + `<testsuites tests="1" failures="0"><testsuite name="s" tests="1" failures="0"><testcase classname="c" name="n" time="0"><flaky/></testcase></testsuite></testsuites>`,
		"a typecast failure":       head + `<testsuites tests="1" failures="1"><testsuite name="s" tests="1" failures="1"><testcase classname="c" name="n" time="0"><failure type="yaml">x</failure></testcase></testsuite></testsuites>`,
		"an escape character":      head + "<testsuites tests=\"0\" failures=\"0\" name=\"\x1b\"></testsuites>",
		"a duplicate case":         head + `<testsuites tests="2" failures="0"><testsuite name="s" tests="2" failures="0"><testcase classname="c" name="n" time="0"></testcase><testcase classname="c" name="n" time="0"></testcase></testsuite></testsuites>`,
	} {
		rec := &recorder{}
		done := make(chan struct{})
		go func() {
			defer close(done)
			checkGitLabJUnit(rec, doc)
		}()
		<-done
		if !rec.failed {
			t.Errorf("%s: accepted\n%s", name, doc)
		}
	}
}
