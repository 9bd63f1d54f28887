// Command quickstart shows the SDK at work: it sets up Slack notifications
// on a project, reads them back, lists the project's active integrations,
// shows how to handle a validation error and a not-found error, and
// disables Slack again.
//
// With no GITLAB_URL and GITLAB_TOKEN set, it starts an in-memory GitLab
// (package integrationstest), so it runs on a fresh machine:
//
//	go run ./examples/quickstart
//
// With them set, it does the same on the real project GITLAB_PROJECT (the
// token needs the Maintainer role there). It leaves a project whose Slack
// notifications are already active alone.
//
//	GITLAB_URL=https://gitlab.example.com GITLAB_TOKEN=glpat-… GITLAB_PROJECT=acme/web go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run is the whole session; getenv reads the environment.
func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	c, projectPath, inMemory, closeFn, err := connect(out, getenv)
	if err != nil {
		return err
	}
	defer closeFn()
	project := integrations.Project(projectPath)

	// On a real project, never overwrite Slack notifications someone set up.
	if current, err := c.Slack.Get(ctx, project); err == nil && current.Active {
		return fmt.Errorf("the Slack notifications of %s are already active: the quickstart leaves them alone (pick another GITLAB_PROJECT)", projectPath)
	} else if err != nil && !errors.Is(err, integrations.ErrIntegrationNotFound) {
		return fmt.Errorf("reading Slack notifications of %s: %w", projectPath, err)
	}

	// 1. Set up Slack notifications. Required parameters are plain values;
	// optional ones are pointers, sent only when set (false included).
	s, err := c.Slack.Set(ctx, project, &integrations.SlackOptions{
		Webhook:              "https://hooks.slack.com/services/T000/B000/XXXX",
		Channel:              integrations.Ptr("#deploys"),
		BranchesToBeNotified: integrations.Ptr(integrations.BranchesDefaultAndProtected),
		PipelineEvents:       integrations.Ptr(true),
		PushEvents:           integrations.Ptr(false),
	})
	if err != nil {
		return fmt.Errorf("setting up Slack: %w", err)
	}
	fmt.Fprintf(out, "1. Set up Slack notifications: active=%t channel=%s branches=%s\n",
		s.Active, s.Properties.Channel, s.Properties.BranchesToBeNotified)

	// 2. Read them back. GitLab never returns secrets such as the webhook URL.
	s, err = c.Slack.Get(ctx, project)
	if err != nil {
		return fmt.Errorf("reading Slack back: %w", err)
	}
	fmt.Fprintf(out, "2. Read them back: channel=%s pipeline_events=%t push_events=%t (the webhook URL is a secret: GitLab never returns it)\n",
		s.Properties.Channel, s.PipelineEvents, s.PushEvents)

	// 3. List the active integrations.
	active, err := c.List(ctx, project)
	if err != nil {
		return fmt.Errorf("listing integrations: %w", err)
	}
	names := make([]string, len(active))
	for i, it := range active {
		names[i] = it.Slug
	}
	fmt.Fprintf(out, "3. Active integrations: %s\n", strings.Join(names, ", "))

	// 4. A validation error: Jira needs a URL and a password. The SDK finds
	// every problem before sending anything.
	_, err = c.Jira.Set(ctx, project, &integrations.JiraOptions{Username: integrations.Ptr("bot")})
	var verr *integrations.ValidationError
	switch {
	case errors.As(err, &verr):
		fmt.Fprintln(out, "4. Validation error, caught before sending anything:")
		for _, p := range verr.Problems {
			fmt.Fprintf(out, "     %s\n", p)
		}
	case err == nil:
		return errors.New("jira settings without a URL were accepted")
	default:
		return fmt.Errorf("setting up Jira: %w", err)
	}

	// 5. A not-found error: reading an integration never set up.
	jira, err := c.Jira.Get(ctx, project)
	switch {
	case errors.Is(err, integrations.ErrIntegrationNotFound):
		fmt.Fprintf(out, "5. Not found: Jira was never set up on %s (errors.Is(err, integrations.ErrIntegrationNotFound))\n", projectPath)
	case errors.Is(err, integrations.ErrProjectNotFound):
		return fmt.Errorf("project %s not found, or the token cannot see it: %w", projectPath, err)
	case err != nil:
		return fmt.Errorf("reading Jira: %w", err)
	default:
		fmt.Fprintf(out, "5. Jira is already set up on %s (active=%t), so there is no not-found error to show\n", projectPath, jira.Active)
	}

	// 6. Disable Slack. GitLab also resets its settings.
	if err := c.Slack.Delete(ctx, project); err != nil {
		return fmt.Errorf("disabling Slack: %w", err)
	}
	s, err = c.Slack.Get(ctx, project)
	if err != nil {
		return fmt.Errorf("reading Slack after disabling it: %w", err)
	}
	fmt.Fprintf(out, "6. Disabled Slack notifications: active=%t channel=%q\n", s.Active, s.Properties.Channel)

	if inMemory {
		fmt.Fprintln(out, "Done. To run this session on your GitLab, set GITLAB_URL, GITLAB_TOKEN and GITLAB_PROJECT.")
	} else {
		fmt.Fprintln(out, "Done.")
	}
	return nil
}

// connect returns a client for the GitLab named by the environment, or for
// an in-memory one when GITLAB_URL and GITLAB_TOKEN are both unset.
func connect(out io.Writer, getenv func(string) string) (c *integrations.Client, project string, inMemory bool, closeFn func(), err error) {
	url, token := getenv("GITLAB_URL"), getenv("GITLAB_TOKEN")
	if url == "" && token == "" {
		srv, err := integrationstest.Start()
		if err != nil {
			return nil, "", false, nil, fmt.Errorf("starting the in-memory GitLab: %w", err)
		}
		project = "acme/web"
		srv.AddProject(project)
		c, err := srv.NewClient()
		if err != nil {
			srv.Close()
			return nil, "", false, nil, err
		}
		fmt.Fprintf(out, "GITLAB_URL and GITLAB_TOKEN are not set: using an in-memory GitLab at %s, project %s.\n", srv.URL(), project)
		return c, project, true, srv.Close, nil
	}
	if url == "" || token == "" {
		return nil, "", false, nil, errors.New("set both GITLAB_URL and GITLAB_TOKEN, or neither to use an in-memory GitLab")
	}
	project = getenv("GITLAB_PROJECT")
	if project == "" {
		return nil, "", false, nil, errors.New("GITLAB_PROJECT is not set: name the project to work on, such as GITLAB_PROJECT=acme/web (the quickstart sets up Slack notifications there, then disables them)")
	}
	c, err = integrations.NewClient(token, integrations.WithBaseURL(url))
	if err != nil {
		return nil, "", false, nil, err
	}
	fmt.Fprintf(out, "Using GitLab at %s, project %s.\n", c.BaseURL(), project)
	return c, project, false, func() {}, nil
}
