// Command bulk-configure applies one integration's settings, Emails on push,
// to many projects at once, a few requests at a time, and reports each
// project's result as it comes.
//
// With no GITLAB_URL and GITLAB_TOKEN set, it works on an in-memory GitLab
// (package integrationstest) holding twelve projects, which answers slowly
// and now and then with 503, as a busy GitLab does; one project of the list
// does not exist, to show a failure:
//
//	go run ./examples/bulk-configure
//
// With them set, it configures the projects listed in GITLAB_PROJECTS
// (full paths separated by commas or spaces):
//
//	GITLAB_URL=https://gitlab.example.com GITLAB_TOKEN=glpat-… GITLAB_PROJECTS="acme/web,acme/api" \
//	  go run ./examples/bulk-configure -recipients "dev@example.com ops@example.com"
//
// It exits with status 2 when a project of GITLAB_PROJECTS failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	failed, demo, err := run(ctx, os.Stdout, os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bulk-configure:", err)
		os.Exit(1)
	}
	if failed > 0 && !demo {
		os.Exit(2)
	}
}

// result is what happened to one project.
type result struct {
	project string
	err     error
}

// run configures every project and returns how many failed, and whether it
// ran on the in-memory GitLab.
func run(ctx context.Context, out io.Writer, args []string, getenv func(string) string) (failed int, demo bool, err error) {
	fs := flag.NewFlagSet("bulk-configure", flag.ContinueOnError)
	fs.SetOutput(out)
	workers := fs.Int("workers", 8, "requests in flight at once")
	recipients := fs.String("recipients", "dev@example.com ops@example.com", "who gets the push emails, separated by spaces")
	if err := fs.Parse(args); err != nil {
		return 0, false, err
	}
	if *workers < 1 {
		return 0, false, fmt.Errorf("-workers %d: need at least 1", *workers)
	}

	c, projects, srv, err := connect(out, getenv)
	if err != nil {
		return 0, false, err
	}
	demo = srv != nil
	if demo {
		defer srv.Close()
	}

	// Pushes to branches, not tags, mailed as the committer.
	opts := &integrations.EmailsOnPushOptions{
		Recipients:             *recipients,
		PushEvents:             integrations.Ptr(true),
		TagPushEvents:          integrations.Ptr(false),
		SendFromCommitterEmail: integrations.Ptr(true),
	}
	fmt.Fprintf(out, "Setting up Emails on push (%s) on %d projects, %d at a time.\n", *recipients, len(projects), *workers)

	start := time.Now()
	results := configure(ctx, c, opts, projects, *workers, func(done int, r result) {
		status := "ok"
		if r.err != nil {
			status = "FAILED: " + explain(r.err)
		}
		fmt.Fprintf(out, "[%*d/%d] %s: %s\n", len(fmt.Sprint(len(projects))), done, len(projects), r.project, status)
	})

	var failures []result
	for _, r := range results {
		if r.err != nil {
			failures = append(failures, r)
		}
	}
	fmt.Fprintf(out, "Done in %s: %d configured, %d failed.\n", time.Since(start).Round(10*time.Millisecond), len(results)-len(failures), len(failures))
	for _, f := range failures {
		fmt.Fprintf(out, "  %s: %s\n", f.project, explain(f.err))
	}
	if demo {
		retried := 0
		for _, r := range srv.Requests() {
			if r.Status == 503 {
				retried++
			}
		}
		fmt.Fprintf(out, "The in-memory GitLab answered 503 to %d requests; the SDK retried each of them.\n", retried)
	}
	return len(failures), demo, nil
}

// configure sets the options on every project with a pool of workers,
// calling progress (from one goroutine at a time) as each finishes. The
// results are in the order of projects.
func configure(ctx context.Context, c *integrations.Client, opts *integrations.EmailsOnPushOptions, projects []string, workers int, progress func(done int, r result)) []result {
	results := make([]result, len(projects))
	jobs := make(chan int)
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(projects)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				// One Client serves every goroutine; each call retries
				// 429 and 5xx answers on its own.
				_, err := c.EmailsOnPush.Set(ctx, integrations.Project(projects[i]), opts)
				r := result{project: projects[i], err: err}
				mu.Lock()
				results[i] = r
				done++
				progress(done, r)
				mu.Unlock()
			}
		}()
	}
	for i := range projects {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return results
}

// explain says in a few words why a project failed.
func explain(err error) string {
	var gerr *integrations.Error
	switch {
	case errors.Is(err, integrations.ErrProjectNotFound):
		return "no such project, or the token cannot see it"
	case errors.Is(err, integrations.ErrForbidden):
		return "the token's user is not a Maintainer of this project"
	case errors.Is(err, integrations.ErrUnauthorized):
		return "the token is wrong or expired"
	case errors.Is(err, integrations.ErrValidation):
		return err.Error()
	case errors.As(err, &gerr):
		return fmt.Sprintf("GitLab answered %d: %s", gerr.StatusCode, gerr.Message)
	}
	return err.Error()
}

// connect returns a client and the projects to configure: those of the
// environment, or those of an in-memory GitLab, then returned too.
func connect(out io.Writer, getenv func(string) string) (c *integrations.Client, projects []string, srv *integrationstest.Server, err error) {
	url, token := getenv("GITLAB_URL"), getenv("GITLAB_TOKEN")
	if url == "" && token == "" {
		srv, err = integrationstest.Start(
			integrationstest.WithLatency(20*time.Millisecond),
			integrationstest.WithFailEvery(5, 503),
		)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("starting the in-memory GitLab: %w", err)
		}
		for i := 1; i <= 12; i++ {
			p := fmt.Sprintf("acme/service-%02d", i)
			srv.AddProject(p)
			projects = append(projects, p)
		}
		projects = append(projects, "acme/retired-service")
		// Short waits between retries keep the demonstration quick.
		c, err = srv.NewClient(integrations.WithRetries(4, 50*time.Millisecond, 2*time.Second))
		if err != nil {
			srv.Close()
			return nil, nil, nil, err
		}
		fmt.Fprintf(out, "GITLAB_URL and GITLAB_TOKEN are not set: using an in-memory GitLab at %s that answers in 20 ms and fails every fifth request with 503.\n", srv.URL())
		return c, projects, srv, nil
	}
	if url == "" || token == "" {
		return nil, nil, nil, errors.New("set both GITLAB_URL and GITLAB_TOKEN, or neither to use an in-memory GitLab")
	}
	projects = strings.FieldsFunc(getenv("GITLAB_PROJECTS"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
	if len(projects) == 0 {
		return nil, nil, nil, errors.New(`GITLAB_PROJECTS is not set: list the projects to configure, such as GITLAB_PROJECTS="acme/web,acme/api"`)
	}
	sort.Strings(projects)
	c, err = integrations.NewClient(token, integrations.WithBaseURL(url))
	if err != nil {
		return nil, nil, nil, err
	}
	return c, projects, nil, nil
}
