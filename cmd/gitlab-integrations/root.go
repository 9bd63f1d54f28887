package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/internal/readfile"
	"github.com/gitlabkit/integrations/internal/safetext"
)

// Exit codes of the tool.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan: the spec differs from what GitLab has
	exitPartial = 3 // apply: some changes failed
	// 130 and 143: interrupted by SIGINT and SIGTERM (128 and the signal's
	// number, see exitCode).
)

// streams are the process's standard streams; tests replace them.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// codeError ends the process with a given exit code. A nil err prints
// nothing: the command already said what there was to say.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *codeError) Unwrap() error { return e.err }

// rootOptions are the flags every command shares.
type rootOptions struct {
	url       string
	tokenFile string
	output    string
	quiet     bool
	rateLimit float64
	// ciServerURL makes CI_SERVER_URL the GitLab when neither --url nor
	// GITLAB_URL names one (plan --mr-note, in a CI job).
	ciServerURL bool

	// insecureHTTP allows a plain-http --url to a host that is not
	// loopback: the token crosses the network in clear text.
	insecureHTTP bool
	// caFile is a PEM bundle of CAs trusted beside the system's
	// (--ca-file, else $GITLAB_CA_FILE).
	caFile string
	// noColour turns colour off on a terminal (--no-color).
	noColour bool

	streams   streams
	getenv    func(string) (string, bool)
	interrupt *interruption // nil: signals are not followed
	// ctx is the command line's context, for the reads done before a
	// command's own (the token from standard input) to stop on SIGINT.
	ctx context.Context
}

// run executes the command line args and returns the exit code. in, when
// not nil, follows SIGINT and SIGTERM: ctx ends at the first, and a command
// ended by one exits 130 or 143.
func run(ctx context.Context, in *interruption, args []string, s streams) int {
	opts := &rootOptions{streams: s, getenv: os.LookupEnv, interrupt: in, ctx: ctx}
	cmd := newRootCmd(opts)
	cmd.SetArgs(args)
	cmd.SetIn(s.in)
	cmd.SetOut(s.out)
	cmd.SetErr(s.err)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitError
	var ce *codeError
	if errors.As(err, &ce) {
		code = ce.code
		if ce.err == nil {
			return code
		}
	} else if sig := in.signal(); sig != nil {
		// A command cut short by the signal: say so, not "context canceled".
		opts.printError(fmt.Errorf("interrupted by %s: %w", signalName(sig), err), args)
		return exitCode(sig)
	}
	opts.printError(err, args)
	return code
}

// printError writes err on stderr, in red on a terminal.
func (o *rootOptions) printError(err error, args []string) {
	if !o.colourOn(o.streams.err) {
		printError(o.streams.err, err, args)
		return
	}
	var b bytes.Buffer
	printError(&b, err, args)
	_ = writeColoured(o.streams.err, b.Bytes(), func(string) string { return colourRed })
}

// oneLine joins the lines of a message, so that every error is one line.
func oneLine(msg string) string {
	lines := strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}

func newRootCmd(opts *rootOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "gitlab-integrations",
		Short: "Manage GitLab integrations on projects and groups",
		Long: `gitlab-integrations manages GitLab integrations (Slack, Jira, Jenkins, …) on
projects and groups: one at a time by slug (get, set, disable, copy), as an
inventory (list, audit, export), or a whole fleet from a YAML spec (plan, apply).

Connection: GITLAB_URL and GITLAB_TOKEN, or --url and --token-file. A token is
never taken as a flag value and never printed.

Exit codes: 0 done or nothing to do, 1 error (nothing sent), 2 plan has
changes, 3 some changes failed, 4 apply --wait: some descendants did not show
their group's settings in time, 130 and 143 interrupted by SIGINT and SIGTERM.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		CompletionOptions: cobra.CompletionOptions{
			DisableDefaultCmd: true,
		},
		// --version prints what version prints.
		Version: toolVersion(),
	}
	root.SetVersionTemplate(versionLine(currentVersion()))
	// Every numeric flag in its range before anything runs.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return checkNumericFlags(cmd) }
	pf := root.PersistentFlags()
	pf.StringVar(&opts.url, "url", "", "GitLab URL, such as https://gitlab.example.com (default $GITLAB_URL, else https://gitlab.com)")
	pf.StringVar(&opts.tokenFile, "token-file", "", `file holding the token ("-": standard input; default $GITLAB_TOKEN)`)
	pf.StringVarP(&opts.output, "output", "o", "", "output format: table, json, yaml or csv (audit: also html; plan: also text, markdown; apply: also jsonl)")
	pf.BoolVarP(&opts.quiet, "quiet", "q", false, "print only results and errors: no progress, no notes")
	pf.Float64Var(&opts.rateLimit, "rate-limit", 0, "send at most this many requests a second (0: follow GitLab's RateLimit headers only)")
	pf.BoolVar(&opts.insecureHTTP, "insecure-http", false, "allow a plain http:// URL to a host that is not loopback: the token crosses the network in clear text")
	pf.BoolVar(&opts.noColour, "no-color", false, "no colour on a terminal (also NO_COLOR set to anything)")
	pf.StringVar(&opts.caFile, "ca-file", "", "PEM file of CA certificates to trust beside the system's, for a GitLab with a private CA (default $GITLAB_CA_FILE)")

	root.AddCommand(
		newCatalogCmd(opts),
		newVersionCmd(opts),
		newCompletionCmd(opts),
		newFakeCmd(opts),
		newListCmd(opts),
		newGetCmd(opts),
		newSetCmd(opts),
		newDisableCmd(opts),
		newInheritCmd(opts),
		newCopyCmd(opts),
		newAuditCmd(opts),
		newOverridesCmd(opts),
		newExportCmd(opts),
		newMigrateCmd(opts),
		newPlanCmd(opts),
		newApplyCmd(opts),
		newCheckCmd(opts),
	)
	registerCompletions(root)
	return root
}

// client connects to GitLab as the environment and flags say.
func (o *rootOptions) client() (*integrations.Client, error) {
	token, err := o.token()
	if err != nil {
		return nil, err
	}
	base, from := o.url, "--url"
	if base == "" {
		base, _ = o.getenv("GITLAB_URL")
		from = "GITLAB_URL"
	}
	if base == "" && o.ciServerURL {
		base, _ = o.getenv("CI_SERVER_URL")
		from = "CI_SERVER_URL"
	}
	if base != "" {
		if err := checkBaseURL(base, from); err != nil {
			return nil, err
		}
	}
	copts := []integrations.ClientOption{
		integrations.WithUserAgent("gitlab-integrations/" + toolVersion()),
		integrations.WithAdaptiveRateLimit(),
	}
	if base != "" {
		copts = append(copts, integrations.WithBaseURL(base))
	}
	if o.insecureHTTP {
		copts = append(copts, integrations.WithInsecureHTTP())
	}
	tls, err := o.tlsOptions()
	if err != nil {
		return nil, err
	}
	copts = append(copts, tls...)
	if o.rateLimit < 0 || (o.rateLimit > 0 && o.rateLimit < 1.0/3600) || o.rateLimit > maxRateLimit {
		return nil, fmt.Errorf("--rate-limit %v: give a number of requests a second from 0.0003 (one an hour) to %d (0: follow GitLab's RateLimit headers only)", o.rateLimit, maxRateLimit)
	}
	if o.rateLimit > 0 {
		copts = append(copts, integrations.WithRateLimit(o.rateLimit, max(1, int(o.rateLimit))))
	}
	c, err := integrations.NewClient(token, copts...)
	if err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	return c, nil
}

// maxRateLimit is the highest --rate-limit the SDK accepts.
const maxRateLimit = 1000000

// integration connects and returns the by-slug service of the integration
// a command names.
func (o *rootOptions) integration(name string) (*integrations.DynamicService, error) {
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	return c.Integration(name)
}

// token reads the token from --token-file, else from GITLAB_TOKEN.
func (o *rootOptions) token() (string, error) {
	if o.tokenFile != "" {
		var data []byte
		var err error
		if o.tokenFile == "-" {
			data, err = readInterruptibly(o.ctx, o.streams.in, maxTokenFile)
		} else {
			// A regular file only, of at most 64 KiB: a FIFO would hold
			// the tool before it could act on SIGINT.
			data, err = readfile.Regular(o.tokenFile, maxTokenFile)
		}
		if err != nil {
			return "", fmt.Errorf("reading the token: %w", err)
		}
		tok := strings.TrimSpace(string(data))
		if tok == "" {
			return "", fmt.Errorf("--token-file %s is empty", o.tokenFile)
		}
		return tok, nil
	}
	if tok, ok := o.getenv("GITLAB_TOKEN"); ok && strings.TrimSpace(tok) != "" {
		return strings.TrimSpace(tok), nil
	}
	return "", errors.New("no GitLab token: set GITLAB_TOKEN or pass --token-file FILE")
}

// maxTokenFile is the most --token-file reads: no token is larger.
const maxTokenFile = 64 << 10

// readInterruptibly reads r up to limit bytes, returning early when ctx
// is done (SIGINT, SIGTERM): a read of standard input blocks until the
// other end writes or closes, and the process must still stop when told.
func readInterruptibly(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(r, limit+1))
		done <- result{data, err}
	}()
	select {
	case res := <-done:
		if res.err == nil && int64(len(res.data)) > limit {
			return nil, fmt.Errorf("standard input holds more than %s; a token is shorter", readfile.Size(limit))
		}
		return res.data, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// format returns the output format asked for, def when none was, and
// refuses one the command does not print.
func (o *rootOptions) format(def string, allowed ...string) (string, error) {
	f := strings.ToLower(o.output)
	if f == "" {
		return def, nil
	}
	for _, a := range allowed {
		if f == a {
			return f, nil
		}
	}
	return "", fmt.Errorf("--output %s: this command prints %s", o.output, strings.Join(allowed, ", "))
}

// notef writes a note for people on stderr, unless --quiet.
func (o *rootOptions) notef(format string, args ...any) {
	if !o.quiet {
		fmt.Fprintln(o.streams.err, safetext.Terminal(fmt.Sprintf(format, args...)))
	}
}

// scopeFlags are --project and --group of the commands acting on one scope.
type scopeFlags struct {
	project string
	group   string
}

func (f *scopeFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.project, "project", "p", "", "project path (acme/web) or numeric ID")
	cmd.Flags().StringVarP(&f.group, "group", "g", "", "group path (acme/platform) or numeric ID")
	cmd.MarkFlagsMutuallyExclusive("project", "group")
	if cmd.Flags().Lookup("projects-in") == nil {
		// A command with --projects-in too (bulk.go) asks for one of the three itself.
		cmd.MarkFlagsOneRequired("project", "group")
	}
}

// scope returns the scope the flags name.
func (f *scopeFlags) scope() integrations.Scope {
	if f.group != "" {
		return integrations.Group(f.group)
	}
	return integrations.Project(f.project)
}

// scopeText writes a scope as ParseScope reads it: "project:acme/web".
func scopeText(s integrations.Scope) string {
	return strings.Replace(s.String(), " ", ":", 1)
}
