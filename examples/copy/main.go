// Command copy copies the integrations of one project onto every project of
// a group: it reads each integration active on the source, turns what
// GitLab reports into settings with OptionsFrom, adds the secrets GitLab
// never reports from the environment, and sets them on each target.
//
// With no GITLAB_URL and GITLAB_TOKEN set, it works on an in-memory GitLab
// (package integrationstest) holding a template project with Slack and
// Emails on push set up, and a group of four projects to copy them to:
//
//	go run ./examples/copy
//
// With them set, it copies from -from to every project under -to, the
// source itself left out:
//
//	GITLAB_URL=https://gitlab.example.com GITLAB_TOKEN=glpat-… SLACK_WEBHOOK=https://hooks.slack.com/… \
//	  go run ./examples/copy -from acme/template -to acme/services -only slack
//
// A secret is read from the environment variable named after the
// integration and the parameter, upper case with underscores
// (SLACK_WEBHOOK, JIRA_PASSWORD). An integration whose secrets are missing
// is not copied, and the variables it needs are listed. It exits with
// status 2 when a copy failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	failed, err := run(ctx, os.Stdout, os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "copy:", err)
		os.Exit(1)
	}
	if failed > 0 {
		os.Exit(2)
	}
}

// run copies and returns how many copies failed.
func run(ctx context.Context, out io.Writer, args []string, getenv func(string) string) (int, error) {
	fs := flag.NewFlagSet("copy", flag.ContinueOnError)
	fs.SetOutput(out)
	from := fs.String("from", "acme/template", "the project to copy from")
	to := fs.String("to", "acme/services", "the group whose projects get the copy")
	only := fs.String("only", "", "copy only these integrations (slugs, comma separated)")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	c, srv, err := connect(out, getenv)
	if err != nil {
		return 0, err
	}
	if srv != nil {
		defer srv.Close()
		getenv = demoSecrets(getenv)
	}

	return copyTo(ctx, out, c, *from, *to, *only, getenv)
}

// copyTo copies the integrations active on project from (those named in
// only, when it is not empty) to every project under group to.
func copyTo(ctx context.Context, out io.Writer, c *integrations.Client, from, to, only string, getenv func(string) string) (int, error) {
	copies, err := readSource(ctx, c, integrations.Project(from), only, getenv)
	if err != nil {
		return 0, err
	}
	if len(copies) == 0 {
		fmt.Fprintf(out, "Nothing to copy from %s.\n", from)
		return 0, nil
	}

	failed, done := 0, 0
	for p, err := range c.Projects(ctx, integrations.Group(to)) {
		if err != nil {
			return failed, fmt.Errorf("listing the projects of %s: %w", to, err)
		}
		if strings.EqualFold(p.PathWithNamespace, from) {
			continue
		}
		for _, cp := range copies {
			if _, err := cp.svc.Set(ctx, p.Scope(), cp.values); err != nil {
				failed++
				fmt.Fprintf(out, "%-28s %-16s FAILED: %v\n", p.PathWithNamespace, cp.svc.Info().Slug, err)
				continue
			}
			done++
			fmt.Fprintf(out, "%-28s %-16s copied\n", p.PathWithNamespace, cp.svc.Info().Slug)
		}
	}
	fmt.Fprintf(out, "%d copies made, %d failed.\n", done, failed)
	return failed, nil
}

// settingsCopy is one integration's settings, ready to send.
type settingsCopy struct {
	svc    *integrations.DynamicService
	values integrations.Values
}

// readSource reads the integrations active on source and fills the
// secrets they need from the environment. Integrations whose secrets are
// missing are reported and left out.
func readSource(ctx context.Context, c *integrations.Client, source integrations.Scope, only string, getenv func(string) string) ([]settingsCopy, error) {
	active, err := c.List(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", source, err)
	}
	var wanted []string
	for _, s := range strings.Split(only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			wanted = append(wanted, s)
		}
	}
	var out []settingsCopy
	var problems []string
	for _, it := range active {
		if len(wanted) > 0 && !slices.Contains(wanted, it.Slug) {
			continue
		}
		svc, err := c.Integration(it.Slug)
		if err != nil {
			return nil, err
		}
		st, err := svc.Get(ctx, source)
		if err != nil {
			return nil, fmt.Errorf("reading %s on %s: %w", it.Slug, source, err)
		}
		values, missing := svc.OptionsFrom(st)
		var unset []string
		for _, name := range missing {
			env := envName(it.Slug, name)
			if v := getenv(env); v != "" {
				values[name] = v
			} else {
				unset = append(unset, env)
			}
		}
		if len(unset) > 0 {
			problems = append(problems, fmt.Sprintf("%s needs %s", it.Slug, strings.Join(unset, ", ")))
			continue
		}
		out = append(out, settingsCopy{svc: svc, values: values})
	}
	if len(problems) > 0 {
		return nil, errors.New("secrets missing from the environment: " + strings.Join(problems, "; "))
	}
	return out, nil
}

// envName is the environment variable holding a secret: SLACK_WEBHOOK.
func envName(slug, param string) string {
	return strings.ToUpper(strings.ReplaceAll(slug+"_"+param, "-", "_"))
}

// connect returns a client for GITLAB_URL and GITLAB_TOKEN, or for a new
// in-memory GitLab set up for the demonstration (then also returned).
func connect(out io.Writer, getenv func(string) string) (*integrations.Client, *integrationstest.Server, error) {
	url, token := getenv("GITLAB_URL"), getenv("GITLAB_TOKEN")
	if url != "" && token != "" {
		c, err := integrations.NewClient(token, integrations.WithBaseURL(url))
		return c, nil, err
	}
	srv, err := integrationstest.Start()
	if err != nil {
		return nil, nil, err
	}
	c, err := srv.NewClient()
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	srv.AddProject("acme/template")
	for _, p := range []string{"acme/services/billing", "acme/services/search", "acme/services/payments/api", "acme/services/payments/worker"} {
		srv.AddProject(p)
	}
	ctx := context.Background()
	tmpl := integrations.Project("acme/template")
	if _, err := c.Slack.Set(ctx, tmpl, &integrations.SlackOptions{
		Webhook:        "https://hooks.slack.com/services/T000/B000/demo",
		Channel:        integrations.Ptr("#deploys"),
		PipelineEvents: integrations.Ptr(true),
		PushEvents:     integrations.Ptr(false),
	}); err != nil {
		srv.Close()
		return nil, nil, err
	}
	if _, err := c.EmailsOnPush.Set(ctx, tmpl, &integrations.EmailsOnPushOptions{
		Recipients: "dev@example.com",
	}); err != nil {
		srv.Close()
		return nil, nil, err
	}
	fmt.Fprintln(out, "Working on an in-memory GitLab (set GITLAB_URL and GITLAB_TOKEN to use yours).")
	return c, srv, nil
}

// demoSecrets supplies the in-memory GitLab's Slack webhook when the
// environment has none, so that the demonstration runs as it is.
func demoSecrets(getenv func(string) string) func(string) string {
	return func(k string) string {
		if v := getenv(k); v != "" || k != "SLACK_WEBHOOK" {
			return v
		}
		return "https://hooks.slack.com/services/T000/B000/demo"
	}
}
