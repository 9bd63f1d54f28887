// Command fakegitlab runs the in-memory GitLab of package integrationstest
// as a process, for testing tools written in other languages (or curl)
// against the Integrations API without a GitLab.
//
//	go run ./examples/fakegitlab
//	go run ./examples/fakegitlab -addr 127.0.0.1:8080 -token glpat-test -project acme/web -project acme/api -group acme
//
// It prints GITLAB_URL=… and GITLAB_TOKEN=… on its first two lines, then
// what it holds, and serves until interrupted. Faults on demand:
// -rate-limit (requests a second), -latency, -fail-every with -fail-status.
// -removed serves the integrations current GitLab removed, like an older
// GitLab.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gitlabkit/integrations/integrationstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fakegitlab:", err)
		os.Exit(1)
	}
}

// listFlag collects a flag given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// run serves until ctx ends.
func run(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("fakegitlab", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on (port 0: a free one)")
	token := fs.String("token", "", "the Maintainer token to accept (default: a random one)")
	var projects, groups listFlag
	fs.Var(&projects, "project", "full path of a project to create (repeatable; default acme/web)")
	fs.Var(&groups, "group", "full path of a group to create (repeatable; default acme)")
	rate := fs.Int("rate-limit", 0, "requests a second before answering 429 (0: no limit)")
	latency := fs.Duration("latency", 0, "delay before every answer, such as 50ms")
	failEvery := fs.Int("fail-every", 0, "answer every n-th request with -fail-status (0: never)")
	failStatus := fs.Int("fail-status", 503, "status of the injected failures")
	removed := fs.Bool("removed", false, "also serve the integrations current GitLab removed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (flags only; see -h)", fs.Args())
	}
	if len(projects) == 0 && len(groups) == 0 {
		projects, groups = listFlag{"acme/web"}, listFlag{"acme"}
	}

	opts := []integrationstest.Option{
		integrationstest.WithAddress(*addr),
		integrationstest.WithToken(*token),
		integrationstest.WithRateLimit(*rate),
		integrationstest.WithLatency(*latency),
		integrationstest.WithFailEvery(*failEvery, *failStatus),
		// A long-running process keeps only the recent requests.
		integrationstest.WithRequestLogLimit(1000),
	}
	if *removed {
		opts = append(opts, integrationstest.WithRemovedIntegrations())
	}
	srv, err := integrationstest.Start(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()

	// Groups first, so that projects below them belong to them.
	var made []string
	for _, g := range groups {
		id := srv.AddGroup(g)
		if id == 0 {
			return fmt.Errorf("-group %q: not a valid full path, or already a project", g)
		}
		made = append(made, fmt.Sprintf("group %s (id %d)", g, id))
	}
	for _, p := range projects {
		id := srv.AddProject(p)
		if id == 0 {
			return fmt.Errorf("-project %q: not a valid full path, or already a group", p)
		}
		made = append(made, fmt.Sprintf("project %s (id %d)", p, id))
	}

	fmt.Fprintf(out, "GITLAB_URL=%s\n", srv.URL())
	fmt.Fprintf(out, "GITLAB_TOKEN=%s\n", srv.Token())
	fmt.Fprintf(out, "In-memory GitLab serving the Integrations API at %s\n", srv.APIURL())
	fmt.Fprintf(out, "Send the token as PRIVATE-TOKEN, JOB-TOKEN or Authorization: Bearer. It holds:\n")
	for _, m := range made {
		fmt.Fprintf(out, "  %s\n", m)
	}
	example := "groups/" + escapePath(groups[0])
	if len(projects) > 0 {
		example = "projects/" + escapePath(projects[0])
	}
	fmt.Fprintf(out, "Try: curl -H 'PRIVATE-TOKEN: %s' %s/%s/integrations\n", srv.Token(), srv.APIURL(), example)
	fmt.Fprintln(out, "Stop with Ctrl+C.")

	<-ctx.Done()
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	fmt.Fprintln(out, "Stopped.")
	return nil
}

// escapePath writes a full path as the :id of a URL: "acme/web" is
// "acme%2Fweb" (a "." is escaped too, or GitLab takes it for a format).
func escapePath(p string) string {
	return strings.NewReplacer("/", "%2F", ".", "%2E").Replace(url.PathEscape(p))
}
