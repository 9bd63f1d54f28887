package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// checkBaseURL refuses a GitLab URL that holds what must not be printed
// (credentials, a query such as ?private_token=…) or that is no URL at all
// (a token pasted in its place), before the SDK sees it: the SDK's own
// error would quote it. from names where it came from, --url or GITLAB_URL.
func checkBaseURL(raw, from string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%s is not a URL such as https://gitlab.example.com (it is not shown, in case it is a token)", from)
	}
	const where = "the token goes in GITLAB_TOKEN or --token-file, never in the URL"
	switch {
	case u.User != nil:
		return fmt.Errorf("%s holds credentials (user:password@, not shown): write the server's URL only (%s://%s); %s", from, u.Scheme, u.Hostname(), where)
	case u.RawQuery != "" || u.ForceQuery:
		return fmt.Errorf("%s holds a query (?…, not shown), such as private_token: write the server's URL only (%s://%s); %s", from, u.Scheme, u.Host, where)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("%s holds a fragment (#…, not shown): write the server's URL only (%s://%s)", from, u.Scheme, u.Host)
	}
	return nil
}

// tokenPrefixes start GitLab's tokens (personal, OAuth, pipeline trigger,
// deploy, runner, CI build, feed, incoming mail, SCIM, …).
var tokenPrefixes = []string{"glpat-", "gloas-", "glptt-", "gldt-", "glrt-", "glcbt-", "glft-", "glimt-", "glsoat-", "glagent-", "glffct-", "glwt-"}

// secretShaped reports whether a command-line argument may be a secret
// pasted in the wrong place: a GitLab token, a URL with credentials or a
// query, or a long run of letters and digits of both cases.
func secretShaped(a string) bool {
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(a, p) {
			return true
		}
	}
	if u, err := url.Parse(a); err == nil && u.Host != "" && (u.User != nil || u.RawQuery != "") {
		return true
	}
	if len(a) < 16 {
		return false
	}
	// A file's path (one that exists, or a/b.yaml) is the user's own
	// word for a place, and the error must name it.
	if _, err := os.Lstat(a); err == nil {
		return false
	}
	if strings.ContainsAny(a, `/\`) && filepath.Ext(a) != "" {
		return false
	}
	var upper, lower, digit bool
	for _, c := range a {
		switch {
		case 'A' <= c && c <= 'Z':
			upper = true
		case 'a' <= c && c <= 'z':
			lower = true
		case '0' <= c && c <= '9':
			digit = true
		}
	}
	return upper && lower && digit
}

// unknownCommand matches cobra's error for an argument that is no command.
var unknownCommand = regexp.MustCompile(`^unknown command ("(?:[^"\\]|\\.)*") for ("(?:[^"\\]|\\.)*")`)

// commandWord is what a command name mistyped looks like: safe to repeat.
var commandWord = regexp.MustCompile(`^[a-z][a-z-]{0,30}$`)

// hideArgs keeps the command line's secret-shaped arguments out of an
// error message: cobra's "unknown command" (and any error that quotes an
// argument) would print a token given as an argument or a flag's value.
func hideArgs(msg string, args []string) string {
	if m := unknownCommand.FindStringSubmatch(msg); m != nil {
		if word := strings.Trim(m[1], `"`); !commandWord.MatchString(word) {
			return fmt.Sprintf("%s takes no such argument (not shown, in case it is a secret); see %s --help", strings.Trim(m[2], `"`), strings.Trim(m[2], `"`))
		}
	}
	for _, a := range args {
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v
		}
		if a != "" && secretShaped(a) {
			msg = strings.ReplaceAll(msg, a, "(not shown)")
		}
	}
	return msg
}
