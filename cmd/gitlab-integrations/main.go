// Command gitlab-integrations manages GitLab integrations (Slack, Jira,
// Jenkins, …) on projects and groups from a terminal or from CI: one at a
// time by slug, or a whole fleet from a YAML spec with plan and apply.
//
// It connects with GITLAB_URL and GITLAB_TOKEN (or --url and --token-file).
// Exit codes: 0 done or nothing to do, 1 error (nothing sent), 2 plan has
// changes, 3 some changes failed, 130 and 143 interrupted by SIGINT and
// SIGTERM.
//
//	go run ./cmd/gitlab-integrations --help
package main

import "os"

func main() {
	ctx, in, release := listen()
	code := run(ctx, in, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	release()
	os.Exit(code)
}
