package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations/fleet"
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
	// projectsIn and count make count projects below projectsIn.
	projectsIn string
	count      int
	// seed is a spec applied before the server is announced.
	seed        string
	logBytes    int
	readTimeout time.Duration
	noKeyset    bool
	legacy      bool
	version     string
	// propagationDelay is how long a group's change takes to reach its
	// descendants, as GitLab's Sidekiq workers take.
	propagationDelay time.Duration
}

// maxFakeCount is the most projects --count makes.
const maxFakeCount = 100000

// fakeSubgroups are the subgroups --projects-in spreads its projects over.
var fakeSubgroups = []string{"platform", "payments", "mobile", "data"}

// fakeProjects are the count projects of --projects-in group: group/
// platform/svc-001, group/payments/svc-002, … round the subgroups, the
// same every run.
func fakeProjects(group string, count int) []string {
	width := len(fmt.Sprint(count))
	width = max(width, 3)
	out := make([]string, count)
	for i := range out {
		out[i] = fmt.Sprintf("%s/%s/svc-%0*d", group, fakeSubgroups[i%len(fakeSubgroups)], width, i+1)
	}
	return out
}

func newFakeCmd(root *rootOptions) *cobra.Command {
	var opts fakeOptions
	cmd := &cobra.Command{
		Use:   "fake",
		Short: "Serve an in-memory GitLab with the Integrations API, for trying the tool",
		Long: `fake starts an in-memory GitLab that serves the Integrations API (and the
project listing of groups), prints GITLAB_URL=… and GITLAB_TOKEN=… on stdout,
and serves until interrupted. Nothing is kept after it stops.

The groups above every --project are created too. Without --project, --group
and --projects-in it holds the group acme and the project acme/web.
--projects-in G --count N makes N projects below G, spread over the subgroups
platform, payments, mobile and data (G/platform/svc-001, G/payments/svc-002,
…; the same every run). --seed SPEC applies a spec (as apply does) before the
server is announced, so it starts with integrations set up. On stop it prints
on stderr how many requests it answered, by status.

What it models, as GitLab 19.0 answers (--gitlab-version changes what
/version reports): GET, PUT and DELETE of every integration the catalog
knows, at project and group level, with GitLab's validation messages,
statuses and bodies; 404s for unknown projects, groups and integrations; the
listing of a group's projects, descendant groups and subgroups with GitLab's
pagination (keyset too, unless --without-keyset-pagination); inheritance
from the nearest group with settings of its own (use_inherited_settings,
inherited_from), and the copy of a group's settings to the projects and
subgroups that inherit them, at once or --propagation-delay after the
group's change, as GitLab's background workers make it; the legacy
/projects/:id/services alias (only it with --legacy-services-only, as before
GitLab 14.4); integrations removed from current GitLab with --removed; a
rate limit with RateLimit-* headers and 429 (--throttle), latency
(--latency) and injected failures (--fail-every, --fail-status).

What it does not model: GitLab's other APIs; users, scopes, expiry and roles
of tokens (its token works everywhere); the model's checks beyond presence,
types, allowed values, URL shapes, lengths and patterns (no DNS or blocked
addresses, no connection tests); instance-level integrations; GitLab's several
throttles (one window of one second counts every request); failures after a
change was made (an injected failure never changed anything).
`,
		Example: `  gitlab-integrations fake --project acme/web --project acme/api > fake.env &
  set -a; . ./fake.env; set +a
  gitlab-integrations list --project acme/web

  # 300 projects below acme, at most 50 requests a second, Slack set up as
  # integrations.yaml says:
  gitlab-integrations fake --projects-in acme --count 300 --throttle 50 --seed integrations.yaml

  # a group's settings reach its projects 30 seconds after a change:
  gitlab-integrations fake --projects-in acme --count 300 --propagation-delay 30s`,
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
	f.StringVar(&opts.projectsIn, "projects-in", "", "group to make --count projects below, over the subgroups platform, payments, mobile and data")
	f.IntVar(&opts.count, "count", 10, "how many projects --projects-in makes")
	f.StringVar(&opts.seed, "seed", "", "spec (YAML) to apply before serving, as apply -f SPEC --yes does")
	f.IntVar(&opts.logBytes, "request-log-bytes", 32<<20, "bytes of bodies, paths and headers the request log keeps")
	f.DurationVar(&opts.readTimeout, "read-timeout", 60*time.Second, "drop a connection whose request takes longer to arrive, as nginx in front of GitLab does")
	f.BoolVar(&opts.noKeyset, "without-keyset-pagination", false, "answer keyset pagination of a group's projects with 405, as an endpoint without it does")
	f.BoolVar(&opts.legacy, "legacy-services-only", false, "serve the project endpoints below /projects/:id/services only, as GitLab before 14.4")
	f.DurationVar(&opts.propagationDelay, "propagation-delay", 0, "how long a group's change takes to reach the projects and subgroups that inherit it, such as 30s (0: at once)")
	f.StringVar(&opts.version, "gitlab-version", integrationstest.DefaultVersion, "the version GET /version and /metadata report (before 15.2: no /metadata)")
	_ = cmd.MarkFlagFilename("seed", "yaml", "yml")
	return cmd
}

func runFake(cmd *cobra.Command, root *rootOptions, opts *fakeOptions) error {
	groups, projects := opts.groups, opts.projects
	if cmd.Flags().Changed("count") && opts.projectsIn == "" {
		return errors.New("--count: give the group to make the projects in with --projects-in")
	}
	if opts.projectsIn != "" {
		groups = append(groups, opts.projectsIn)
		projects = append(projects, fakeProjects(opts.projectsIn, opts.count)...)
	}
	if len(groups) == 0 && len(projects) == 0 {
		groups, projects = []string{"acme"}, []string{"acme/web"}
	}
	var spec *fleet.Spec
	if opts.seed != "" {
		// Read before starting, so that a bad spec starts nothing.
		var err error
		if spec, err = fleet.LoadSpec(opts.seed); err != nil {
			return err
		}
	}
	sopts := []integrationstest.Option{
		integrationstest.WithAddress(opts.addr),
		integrationstest.WithRateLimit(opts.throttle),
		integrationstest.WithLatency(opts.latency),
		integrationstest.WithFailEvery(opts.failEvery, opts.failStatus),
		integrationstest.WithRequestLogLimit(opts.logLimit),
		integrationstest.WithRequestLogBytes(opts.logBytes),
		integrationstest.WithReadTimeout(opts.readTimeout),
		integrationstest.WithVersion(opts.version),
		integrationstest.WithPropagationDelay(opts.propagationDelay),
	}
	if opts.noKeyset {
		sopts = append(sopts, integrationstest.WithoutKeysetPagination())
	}
	if opts.legacy {
		sopts = append(sopts, integrationstest.WithLegacyServicesOnly())
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

	if spec != nil {
		applied, err := seedFake(cmd.Context(), srv, spec, root.getenv)
		if err != nil {
			return fmt.Errorf("--seed %s: %w", opts.seed, err)
		}
		made = append(made, fmt.Sprintf("%d changes of %s applied", applied, opts.seed))
	}

	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "GITLAB_URL=%s\n", srv.URL())
	fmt.Fprintf(out, "GITLAB_TOKEN=%s\n", srv.Token())
	root.notef("In-memory GitLab at %s holding: %s. Stop with Ctrl+C.", srv.URL(), strings.Join(made, ", "))

	<-cmd.Context().Done()
	root.notef("Stopped. %s", requestStats(srv.Requests()))
	return nil
}

// seedFake applies spec to srv, as apply -f SPEC --yes does, and returns
// how many changes it applied.
func seedFake(ctx context.Context, srv *integrationstest.Server, spec *fleet.Spec, getenv func(string) (string, bool)) (int, error) {
	c, err := srv.NewClient()
	if err != nil {
		return 0, err
	}
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: getenv})
	if err != nil {
		return 0, err
	}
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: getenv})
	if res == nil {
		return 0, err
	}
	if n := res.Failed(); n > 0 || err != nil {
		var first error
		for _, r := range res.Results {
			if r.Err != nil {
				first = r.Err
				break
			}
		}
		if err != nil && first == nil {
			return res.Applied(), err
		}
		if err != nil {
			return res.Applied(), fmt.Errorf("%d of %d changes failed (the first: %w); then: %w", n, len(res.Results), first, err)
		}
		return res.Applied(), fmt.Errorf("%d of %d changes failed (the first: %w)", n, len(res.Results), first)
	}
	return res.Applied(), nil
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
