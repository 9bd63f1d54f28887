// Command audit prints a table of the integrations that are active on a
// set of projects and groups: one row per project or group, one column per
// integration found active on any of them.
//
// With no GITLAB_URL and GITLAB_TOKEN set, it audits an in-memory GitLab
// (package integrationstest) it first fills with a few integrations:
//
//	go run ./examples/audit
//
// With them set, it audits the projects of GITLAB_PROJECTS and the groups of
// GITLAB_GROUPS (full paths or IDs, separated by commas or spaces):
//
//	GITLAB_URL=https://gitlab.example.com GITLAB_TOKEN=glpat-… GITLAB_GROUPS=acme GITLAB_PROJECTS="acme/web acme/api" \
//	  go run ./examples/audit
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "audit:", err)
		os.Exit(1)
	}
}

// row is what one project or group has active.
type row struct {
	scope  integrations.Scope
	active map[string]bool
	err    error
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	c, scopes, closeFn, err := connect(ctx, out, getenv)
	if err != nil {
		return err
	}
	defer closeFn()
	rows := audit(ctx, c, scopes, 4)
	printTable(out, rows)
	return nil
}

// audit lists the active integrations of every scope, a few at a time.
func audit(ctx context.Context, c *integrations.Client, scopes []integrations.Scope, workers int) []row {
	rows := make([]row, len(scopes))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, s := range scopes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rows[i] = row{scope: s, active: map[string]bool{}}
			list, err := c.List(ctx, s)
			if err != nil {
				rows[i].err = err
				return
			}
			for _, it := range list {
				rows[i].active[it.Slug] = true
			}
		}()
	}
	wg.Wait()
	return rows
}

// printTable writes one row per scope and one column per integration
// active anywhere, then how many scopes have each.
func printTable(out io.Writer, rows []row) {
	seen := map[string]int{}
	for _, r := range rows {
		for slug := range r.active {
			seen[slug]++
		}
	}
	slugs := make([]string, 0, len(seen))
	for slug := range seen {
		slugs = append(slugs, slug)
	}
	sort.Strings(slugs)

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\t%s\n", strings.Join(slugs, "\t"))
	for _, r := range rows {
		cells := make([]string, len(slugs))
		for i, slug := range slugs {
			cells[i] = "-"
			if r.active[slug] {
				cells[i] = "yes"
			}
		}
		for i := range cells {
			if r.err != nil {
				cells[i] = "?"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\n", r.scope, strings.Join(cells, "\t"))
	}
	counts := make([]string, len(slugs))
	for i, slug := range slugs {
		counts[i] = strconv.Itoa(seen[slug])
	}
	fmt.Fprintf(tw, "active on\t%s\n", strings.Join(counts, "\t"))
	_ = tw.Flush()
	if len(slugs) == 0 {
		fmt.Fprintln(out, "No integration is active on these projects and groups.")
	}
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(out, "? %s: %s\n", r.scope, explain(r.err))
		}
	}
}

// explain says in a few words why a row could not be read.
func explain(err error) string {
	var gerr *integrations.Error
	switch {
	case errors.Is(err, integrations.ErrProjectNotFound), errors.Is(err, integrations.ErrGroupNotFound):
		return "not found, or the token cannot see it"
	case errors.Is(err, integrations.ErrForbidden):
		return "the token's user is not a Maintainer here"
	case errors.As(err, &gerr):
		return fmt.Sprintf("GitLab answered %d: %s", gerr.StatusCode, gerr.Message)
	}
	return err.Error()
}

// connect returns a client and the scopes to audit: those of the
// environment, or those of an in-memory GitLab it fills first.
func connect(ctx context.Context, out io.Writer, getenv func(string) string) (*integrations.Client, []integrations.Scope, func(), error) {
	url, token := getenv("GITLAB_URL"), getenv("GITLAB_TOKEN")
	if url == "" && token == "" {
		srv, err := integrationstest.Start()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("starting the in-memory GitLab: %w", err)
		}
		c, err := srv.NewClient()
		if err == nil {
			err = seed(ctx, srv, c)
		}
		if err != nil {
			srv.Close()
			return nil, nil, nil, err
		}
		fmt.Fprintf(out, "GITLAB_URL and GITLAB_TOKEN are not set: auditing an in-memory GitLab at %s.\n\n", srv.URL())
		scopes := []integrations.Scope{
			integrations.Group("acme"), integrations.Group("acme/platform"),
			integrations.Project("acme/web"), integrations.Project("acme/api"),
			integrations.Project("acme/platform/runner"), integrations.Project("acme/legacy"),
		}
		return c, scopes, srv.Close, nil
	}
	if url == "" || token == "" {
		return nil, nil, nil, errors.New("set both GITLAB_URL and GITLAB_TOKEN, or neither to audit an in-memory GitLab")
	}
	var scopes []integrations.Scope
	for _, g := range fields(getenv("GITLAB_GROUPS")) {
		if id, err := strconv.ParseInt(g, 10, 64); err == nil {
			scopes = append(scopes, integrations.GroupID(id))
		} else {
			scopes = append(scopes, integrations.Group(g))
		}
	}
	for _, p := range fields(getenv("GITLAB_PROJECTS")) {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			scopes = append(scopes, integrations.ProjectID(id))
		} else {
			scopes = append(scopes, integrations.Project(p))
		}
	}
	if len(scopes) == 0 {
		return nil, nil, nil, errors.New(`neither GITLAB_GROUPS nor GITLAB_PROJECTS is set: name what to audit, such as GITLAB_GROUPS=acme GITLAB_PROJECTS="acme/web acme/api"`)
	}
	c, err := integrations.NewClient(token, integrations.WithBaseURL(url))
	if err != nil {
		return nil, nil, nil, err
	}
	return c, scopes, func() {}, nil
}

func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
}

// seed fills the in-memory GitLab with projects, groups and integrations
// through the SDK, as a real set-up would.
func seed(ctx context.Context, srv *integrationstest.Server, c *integrations.Client) error {
	srv.AddGroup("acme")
	srv.AddGroup("acme/platform")
	for _, p := range []string{"acme/web", "acme/api", "acme/platform/runner"} {
		srv.AddProject(p)
	}
	// acme/legacy is left out: the audit shows how a missing project reads.
	slack := &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T000/B000/XXXX", Channel: integrations.Ptr("#acme")}
	jira := &integrations.JiraOptions{URL: "https://acme.atlassian.net", Password: "api-token", Username: integrations.Ptr("bot@acme.example")}
	emails := &integrations.EmailsOnPushOptions{Recipients: "dev@acme.example"}
	steps := []func() error{
		func() error { _, err := c.Slack.Set(ctx, integrations.Group("acme"), slack); return err },
		func() error { _, err := c.Jira.Set(ctx, integrations.Group("acme"), jira); return err },
		func() error {
			_, err := c.Mattermost.Set(ctx, integrations.Group("acme/platform"), &integrations.MattermostOptions{Webhook: "https://mm.acme.example/hooks/x"})
			return err
		},
		func() error { _, err := c.Slack.Set(ctx, integrations.Project("acme/web"), slack); return err },
		func() error { _, err := c.Jira.Set(ctx, integrations.Project("acme/web"), jira); return err },
		func() error { _, err := c.EmailsOnPush.Set(ctx, integrations.Project("acme/web"), emails); return err },
		func() error { _, err := c.Jira.Set(ctx, integrations.Project("acme/api"), jira); return err },
		func() error {
			_, err := c.PipelinesEmail.Set(ctx, integrations.Project("acme/api"), &integrations.PipelinesEmailOptions{Recipients: "ops@acme.example"})
			return err
		},
		// Set up, then disabled: a disabled integration is not active.
		func() error {
			_, err := c.Slack.Set(ctx, integrations.Project("acme/platform/runner"), slack)
			return err
		},
		func() error { return c.Slack.Delete(ctx, integrations.Project("acme/platform/runner")) },
		func() error {
			_, err := c.Jenkins.Set(ctx, integrations.Project("acme/platform/runner"), &integrations.JenkinsOptions{JenkinsURL: "https://ci.acme.example", ProjectName: "runner"})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("filling the in-memory GitLab: %w", err)
		}
	}
	return nil
}
