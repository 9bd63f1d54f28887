package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/internal/safetext"
)

// printError writes err for people on w: one problem a line, each
// "gitlab-integrations: …", spec problems as "file:line: message", without
// the layers' prefixes and Go names the libraries' messages carry.
func printError(w io.Writer, err error, args []string) {
	for _, line := range problemLines(err) {
		// GitLab's messages are in errors: escaped, so as not to drive the
		// terminal; an argument shaped like a token is never echoed.
		fmt.Fprintln(w, "gitlab-integrations: "+safetext.Terminal(hideArgs(line, args)))
	}
}

// problemLines splits err into its problems, one line each: every problem
// of a *fleet.SpecError (already "file:line: message") or of an
// *integrations.ValidationError (after what the command was doing), else
// the whole error on one line.
func problemLines(err error) []string {
	full := err.Error()
	var se *fleet.SpecError
	if errors.As(err, &se) && len(se.Problems) > 0 {
		lines := make([]string, len(se.Problems))
		for i, p := range se.Problems {
			lines[i] = oneLine(forPeople(p.Where + ": " + p.Message))
		}
		if se.More > 0 {
			lines = append(lines, fmt.Sprintf("… and %d more problem%s", se.More, map[bool]string{true: "s"}[se.More != 1]))
		}
		return lines
	}
	var ve *integrations.ValidationError
	if errors.As(err, &ve) && len(ve.Problems) > 1 {
		// What the command was doing comes before the SDK's text.
		prefix := ""
		if i := strings.Index(full, ve.Error()); i > 0 {
			prefix = full[:i]
		}
		if ve.Integration != "" && prefix == "" {
			prefix += ve.Integration + ": "
		}
		lines := make([]string, len(ve.Problems))
		for i, p := range ve.Problems {
			lines[i] = oneLine(forPeople(prefix + p))
		}
		return lines
	}
	return []string{oneLine(forPeople(full))}
}

// translations rewrite the libraries' wording for Go programmers into the
// tool's: layer prefixes go, GitLab's answers lose the request URL (the
// scope and integration are already named), Go API names become the flag
// or command to use.
var translations = []struct {
	re   *regexp.Regexp
	with string
}{
	// "integrations: PUT https://…/integrations/slack: 404 Not Found: …"
	// The layers' prefixes stand at the start or after another ": ";
	// "listing its integrations: " is the tool's own words.
	{regexp.MustCompile(`(^|: )(?:integrations: )?(?:GET|PUT|POST|DELETE|HEAD|PATCH) \S+: (\d{3}) `), "${1}GitLab answered $2 "},
	{regexp.MustCompile(`(^|: )integrations: invalid ([a-z0-9-]+) options: `), "$1$2: "},
	{regexp.MustCompile(`(^|: )(?:integrations: )?invalid request: `), "$1"},
	{regexp.MustCompile(`(^|: )fleet: (?:[A-Za-z]+: )?`), "$1"},
	{regexp.MustCompile(`(^|: )integrations: `), "$1"},
	{regexp.MustCompile(`\(integrations\.Catalog\(\) lists them\)`), "(gitlab-integrations catalog lists them)"},
	{regexp.MustCompile(`\(use https, or WithInsecureHTTP to allow it\)`), "(use an https:// URL in --url or GITLAB_URL; --insecure-http sends it anyway, in clear text)"},
	{regexp.MustCompile(`\bbase URL\b`), "GitLab URL (--url or GITLAB_URL)"},
	{regexp.MustCompile(`: pass the token to NewClient`), ": give the token in GITLAB_TOKEN or --token-file"},
	{regexp.MustCompile(`\(use (?:Project|Group)\(path\) or (?:Project|Group)ID\(id\) with an ID above zero\)`), "(give a full path, such as acme/web, or a numeric ID above zero)"},
}

// forPeople rewrites one message with the translations.
func forPeople(msg string) string {
	for _, t := range translations {
		// Again while it changes: matches next to each other share the
		// ": " between them, which one replacement pass consumes.
		for range 4 {
			next := t.re.ReplaceAllString(msg, t.with)
			if next == msg {
				break
			}
			msg = next
		}
	}
	return msg
}
