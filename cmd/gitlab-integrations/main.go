// Command gitlab-integrations manages GitLab integrations (Slack, Jira,
// Jenkins, …) on projects and groups from a terminal or from CI: one at a
// time by slug, or a whole fleet from a YAML spec with plan and apply.
//
// It connects with GITLAB_URL and GITLAB_TOKEN (or --url and --token-file).
// Exit codes: 0 success, 1 error, 2 plan has changes, 3 apply partly failed.
//
//	go run ./cmd/gitlab-integrations --help
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}
