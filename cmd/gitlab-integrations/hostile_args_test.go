package main

import (
	"strings"
	"testing"
)

// TestTokensInTheWrongPlaceAreNeverEchoed: a token in GITLAB_URL's query,
// in --url's credentials or in place of the URL, or given as an argument
// (a command, a slug, a flag's value) is never in the error; the error
// still says what to do.
func TestTokensInTheWrongPlaceAreNeverEchoed(t *testing.T) {
	srv := newServer(t, "acme/web")
	const tok = "glpat-Wr0ngPl4ce-0123456789"
	addSecret(tok)
	addSecret("Wr0ngPl4ce")
	e := env(srv)
	for _, c := range []struct {
		env  []string
		args []string
		want string
	}{
		{[]string{"GITLAB_TOKEN=x", "GITLAB_URL=" + srv.URL() + "/?private_token=" + tok}, []string{"list", "--project", "acme/web"},
			"GITLAB_URL holds a query (?…, not shown), such as private_token: write the server's URL only (http://" + strings.TrimPrefix(srv.URL(), "http://") + "); the token goes in GITLAB_TOKEN or --token-file, never in the URL"},
		{e, []string{"list", "--project", "acme/web", "--url", "https://root:" + tok + "@gitlab.example.com"},
			"--url holds credentials (user:password@, not shown): write the server's URL only (https://gitlab.example.com)"},
		{e, []string{"list", "--project", "acme/web", "--url", tok}, "--url is not a URL such as https://gitlab.example.com (it is not shown, in case it is a token)"},
		{e, []string{"list", "--project", "acme/web", "--url=" + tok}, "--url is not a URL"},
		{e, []string{tok}, "gitlab-integrations takes no such argument (not shown, in case it is a secret); see gitlab-integrations --help"},
		{e, []string{"list", tok, "--project", "acme/web"}, "gitlab-integrations list takes no such argument (not shown, in case it is a secret)"},
		{e, []string{"plan", "Wr0ngPl4ce"}, "gitlab-integrations plan takes no such argument"},
		{e, []string{"get", tok, "--project", "acme/web"}, "(not shown)"},
		{e, []string{"list", "--project", "acme/web", "--rate-limit", tok}, `invalid argument "(not shown)" for "--rate-limit" flag`},
		{e, []string{"lst"}, `unknown command "lst" for "gitlab-integrations"`},
	} {
		cli(t, c.env, c.args...).fails(t, 1, c.want)
	}
}
