package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations/integrationstest"
)

// fakeOptions are the flags of fake.
type fakeOptions struct {
	addr       string
	projects   []string
	groups     []string
	throttle   int
	latency    time.Duration
	failEvery  int
	failStatus int
	removed    bool
	logLimit   int
}

func newFakeCmd(root *rootOptions) *cobra.Command {
	var opts fakeOptions
	cmd := &cobra.Command{
		Use:   "fake",
		Short: "Serve an in-memory GitLab with the Integrations API, for trying the tool",
		Long: `fake starts an in-memory GitLab that serves the Integrations API (and the
project listing of groups), prints GITLAB_URL=… and GITLAB_TOKEN=… on stdout,
and serves until interrupted. Nothing is kept after it stops.

The groups above every --project are created too. Without --project and
--group it holds the group acme and the project acme/web. On stop it prints
on stderr how many requests it answered, by status.`,
		Example: `  gitlab-integrations fake --project acme/web --project acme/api > fake.env &
  set -a; . ./fake.env; set +a
  gitlab-integrations list --project acme/web

  # 300 projects, at most 50 requests a second (bash brace expansion):
  gitlab-integrations fake --throttle 50 --project=acme/svc-{001..300}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFake(cmd, root, &opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.addr, "addr", "127.0.0.1:0", "address to listen on (port 0: a free one)")
	f.StringArrayVarP(&opts.projects, "project", "p", nil, "full path of a project to create (repeatable)")
	f.StringArrayVarP(&opts.groups, "group", "g", nil, "full path of a group to create (repeatable)")
	f.IntVar(&opts.throttle, "throttle", 0, "answer 429 beyond this many requests a second (0: no limit)")
	f.DurationVar(&opts.latency, "latency", 0, "delay before every answer, such as 20ms")
	f.IntVar(&opts.failEvery, "fail-every", 0, "answer every n-th request with --fail-status (0: never)")
	f.IntVar(&opts.failStatus, "fail-status", 503, "status of the injected failures")
	f.BoolVar(&opts.removed, "removed", false, "also serve the integrations current GitLab removed, as an older GitLab does")
	f.IntVar(&opts.logLimit, "request-log", 100000, "requests to keep for the statistics printed on stop")
	return cmd
}

func runFake(cmd *cobra.Command, root *rootOptions, opts *fakeOptions) error {
	groups, projects := opts.groups, opts.projects
	if len(groups) == 0 && len(projects) == 0 {
		groups, projects = []string{"acme"}, []string{"acme/web"}
	}
	sopts := []integrationstest.Option{
		integrationstest.WithAddress(opts.addr),
		integrationstest.WithRateLimit(opts.throttle),
		integrationstest.WithLatency(opts.latency),
		integrationstest.WithFailEvery(opts.failEvery, opts.failStatus),
		integrationstest.WithRequestLogLimit(opts.logLimit),
	}
	if opts.removed {
		sopts = append(sopts, integrationstest.WithRemovedIntegrations())
	}
	srv, err := integrationstest.Start(sopts...)
	if err != nil {
		return fmt.Errorf("starting the in-memory GitLab: %w", err)
	}
	defer srv.Close()

	// Groups first, then the groups above each project, so that
	// projects belong to them and --projects-in finds them.
	var made []string
	addGroup := func(p string, asked bool) error {
		if id := srv.AddGroup(p); id != 0 {
			if asked {
				made = append(made, fmt.Sprintf("group %s (id %d)", p, id))
			}
			return nil
		}
		return fmt.Errorf("--group %q: not a valid full path, or already a project", p)
	}
	for _, g := range groups {
		if err := addGroup(g, true); err != nil {
			return err
		}
	}
	for _, p := range projects {
		parts := strings.Split(p, "/")
		for i := 1; i < len(parts); i++ {
			if err := addGroup(strings.Join(parts[:i], "/"), false); err != nil {
				return fmt.Errorf("--project %q: %q above it is already a project", p, strings.Join(parts[:i], "/"))
			}
		}
		id := srv.AddProject(p)
		if id == 0 {
			return fmt.Errorf("--project %q: not a valid full path, or already a group", p)
		}
		if len(projects) <= 10 {
			made = append(made, fmt.Sprintf("project %s (id %d)", p, id))
		}
	}
	if len(projects) > 10 {
		made = append(made, fmt.Sprintf("%d projects, %s to %s", len(projects), projects[0], projects[len(projects)-1]))
	}

	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "GITLAB_URL=%s\n", srv.URL())
	fmt.Fprintf(out, "GITLAB_TOKEN=%s\n", srv.Token())
	root.notef("In-memory GitLab at %s holding: %s. Stop with Ctrl+C.", srv.URL(), strings.Join(made, ", "))

	<-cmd.Context().Done()
	root.notef("Stopped. %s", requestStats(srv.Requests()))
	return nil
}

// requestStats counts requests by method and status.
func requestStats(reqs []integrationstest.Request) string {
	byStatus := map[int]int{}
	byMethod := map[string]int{}
	for _, r := range reqs {
		byStatus[r.Status]++
		byMethod[r.Method]++
	}
	var parts []string
	for m, n := range byMethod {
		parts = append(parts, fmt.Sprintf("%s %d", m, n))
	}
	sort.Strings(parts)
	var statuses []int
	for s := range byStatus {
		statuses = append(statuses, s)
	}
	sort.Ints(statuses)
	var st []string
	for _, s := range statuses {
		st = append(st, fmt.Sprintf("%d×%d", byStatus[s], s))
	}
	return fmt.Sprintf("Served %d requests (%s; answers %s).", len(reqs), strings.Join(parts, ", "), strings.Join(st, ", "))
}
