package main

import (
	"encoding/xml"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// auditFixture sets up slack on two projects and jira on one.
func auditFixture(t *testing.T) (e []string, projects []string) {
	t.Helper()
	projects = []string{"acme/web", "acme/api", "acme/docs"}
	srv := newServer(t, projects...)
	e = append(env(srv), "SLACK_WEBHOOK="+sentinel)
	for _, p := range projects[:2] {
		cli(t, e, "set", "slack", "--project", p, "-q", "webhook=${env:SLACK_WEBHOOK}", "channel=#"+strings.TrimPrefix(p, "acme/")).ok(t)
	}
	cli(t, e, "set", "jira", "--project", "acme/web", "-q", "url=https://jira.example.com", "username=bot", "password=${env:SLACK_WEBHOOK}").ok(t)
	return e, projects
}

func auditArgs(projects []string, more ...string) []string {
	args := []string{"audit"}
	for _, p := range projects {
		args = append(args, "--project", p)
	}
	return append(args, more...)
}

func TestAuditJSONCSVYAML(t *testing.T) {
	e, projects := auditFixture(t)
	entries := decodeJSON[[]auditEntry](t, cli(t, e, auditArgs(projects, "-o", "json")...).ok(t).stdout)
	// Every project × every integration active somewhere, in order.
	var got []string
	for _, en := range entries {
		mark := "-"
		if en.Active {
			mark = "+"
		}
		got = append(got, en.Scope+" "+en.Integration+" "+mark)
	}
	want := []string{
		"project:acme/web jira +", "project:acme/web slack +",
		"project:acme/api jira -", "project:acme/api slack +",
		"project:acme/docs jira -", "project:acme/docs slack -",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if entries[1].Properties["channel"] != "#web" || entries[0].Properties["url"] != "https://jira.example.com" {
		t.Errorf("audit properties: %v / %v", entries[1].Properties, entries[0].Properties)
	}
	if _, ok := entries[0].Properties["password"]; ok {
		t.Errorf("audit reports jira's password")
	}

	filtered := decodeYAML[[]auditEntry](t, cli(t, e, auditArgs(projects, "-o", "yaml", "--integration", "slack")...).ok(t).stdout)
	if len(filtered) != 3 || filtered[2].Integration != "slack" || filtered[2].Active {
		t.Errorf("audit --integration slack: %+v", filtered)
	}
	rows := decodeCSV(t, cli(t, e, auditArgs(projects, "-o", "csv")...).ok(t).stdout)
	// One column per parameter reported anywhere.
	if len(rows) != 7 || !strings.HasPrefix(strings.Join(rows[0], ","), "SCOPE,INTEGRATION,ACTIVE,INHERITED,INHERITED_FROM,") ||
		rows[0][len(rows[0])-1] != "ERROR" {
		t.Fatalf("audit CSV: %v", rows)
	}
	col := slices.Index(rows[0], "channel")
	if col < 0 || rows[2][col] != "#web" || rows[2][1] != "slack" || rows[1][slices.Index(rows[0], "url")] != "https://jira.example.com" {
		t.Errorf("audit CSV columns: %v", rows)
	}

	// A project that cannot be read is reported, and the exit is 1.
	r := cli(t, e, auditArgs(append(projects, "acme/gone"), "-o", "json")...)
	if r.code != 1 || !strings.Contains(r.stderr, "1 of 4 projects could not be read") {
		t.Errorf("audit with a missing project: exit %d, %q", r.code, r.stderr)
	}
	withErr := decodeJSON[[]auditEntry](t, r.stdout)
	if last := withErr[len(withErr)-1]; last.Scope != "project:acme/gone" || last.Error == "" {
		t.Errorf("audit entry of the missing project: %+v", last)
	}
}

func TestAuditHTML(t *testing.T) {
	e, projects := auditFixture(t)
	page := cli(t, e, auditArgs(projects, "-o", "html")...).ok(t).stdout

	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("the page does not parse: %v", err)
	}
	// No external assets: no script, link, img, iframe or src/href.
	var headers, rowNames []string
	var cells int
	var walk func(n *html.Node, inMatrix bool)
	walk = func(n *html.Node, inMatrix bool) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "link", "img", "iframe", "object", "embed":
				t.Errorf("the page has a <%s>", n.Data)
			}
			for _, a := range n.Attr {
				if a.Key == "src" || a.Key == "href" {
					t.Errorf("<%s %s=%q> loads something", n.Data, a.Key, a.Val)
				}
				if a.Key == "id" && a.Val == "matrix" {
					inMatrix = true
				}
			}
			if inMatrix && n.Data == "th" {
				headers = append(headers, text(n))
			}
			if inMatrix && n.Data == "td" {
				if slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == "class" && a.Val == "project" }) {
					rowNames = append(rowNames, text(n))
				} else {
					cells++
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inMatrix)
		}
	}
	walk(doc, false)
	if !slices.Equal(headers, []string{"scope", "jira", "slack", "active (inherited)"}) {
		t.Errorf("matrix columns %v", headers)
	}
	if !slices.Equal(rowNames, []string{"project:acme/web", "project:acme/api", "project:acme/docs"}) {
		t.Errorf("matrix rows %v", rowNames)
	}
	if cells != 6+2 {
		t.Errorf("matrix has %d cells, want 6 and 2 totals", cells)
	}
	if !strings.Contains(page, `<td class="total">1 (0)</td><td class="total">2 (0)</td>`) {
		t.Errorf("the matrix has no totals per integration")
	}
	if !regexp.MustCompile(`title="slack: [^"]*channel=#web[,"]`).MatchString(page) {
		t.Errorf("the matrix does not show slack's settings on acme/web")
	}
	// The markup is well-formed XML too.
	dec := xml.NewDecoder(strings.NewReader(page))
	dec.Strict = true
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("the page is not well-formed: %v", err)
		}
	}
}

func text(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return strings.TrimSpace(b.String())
}
