package fleet

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
)

// The migrations Migrate knows, by name.
const (
	// MigrateSlackToSlackApp moves Slack notifications (slack) to the
	// GitLab for Slack app (gitlab-slack-application).
	MigrateSlackToSlackApp = "slack-to-slack-app"
	// MigrateSlashCommandsToSlackApp moves Slack slash commands
	// (slack-slash-commands, removed in GitLab 19.0) to the GitLab for
	// Slack app, which has its own /gitlab command.
	MigrateSlashCommandsToSlackApp = "slack-slash-commands-to-slack-app"
	// MigrateTeamsConnectorToWorkflows points Microsoft Teams
	// notifications at a Workflows webhook instead of a retired Office 365
	// connector.
	MigrateTeamsConnectorToWorkflows = "teams-connector-to-workflows"
	// MigrateJiraProjectKeys moves Jira's project_key into project_keys.
	MigrateJiraProjectKeys = "jira-project-keys"
	// MigrateJiraAuth moves Jira from basic authentication to
	// jira_auth_type MigrateOptions.To (1 or 2).
	MigrateJiraAuth = "jira-auth"
)

// MigrationNames lists the names Migrate takes.
func MigrationNames() []string {
	return []string{MigrateSlackToSlackApp, MigrateSlashCommandsToSlackApp, MigrateTeamsConnectorToWorkflows, MigrateJiraProjectKeys, MigrateJiraAuth}
}

// MigrateOptions changes what Migrate writes.
type MigrateOptions struct {
	// To is the jira_auth_type jira-auth moves to: 1 (Jira personal
	// access token) or 2 (Jira Cloud service account, GitLab 19.0 and
	// later). Other migrations refuse it.
	To int
	// KeepSource keeps the source integration (or, for jira-project-keys,
	// project_key) instead of writing it absent.
	KeepSource bool
	// Webhooks, when set, is the directory of the webhook mapping: the new
	// URL of each scope is read from the file WEBHOOKS/NAME, NAME being the
	// scope's stable name (MigrateReport.Secrets lists each). Empty: each
	// scope's new URL is an ${env:NAME} reference.
	Webhooks string
	// Concurrency is how many scopes are read at once (default 8).
	Concurrency int
	// Progress, when set, is called after each scope is read.
	Progress func(Event)
}

// MigrateReport says what a migration could not carry over and what the
// user must do before planning its spec.
type MigrateReport struct {
	// Migration is the migration's name.
	Migration string
	// ServerVersion is the version GitLab reported.
	ServerVersion string
	// Migrated lists the scopes the spec migrates ("project:acme/web").
	Migrated []string
	// NotInstalled lists the scopes using the source where the GitLab for
	// Slack app is not installed: the spec leaves them alone.
	NotInstalled []string
	// InstallSteps says how to install the GitLab for Slack app, when
	// NotInstalled is not empty.
	InstallSteps string
	// Dropped lists each setting that does not carry over, and why.
	Dropped []MigrateNote
	// Secrets lists each reference the spec's secrets hold, with its
	// scope: what to set (or the file to write) before planning.
	Secrets []MigrateNote
	// Notes says what else to know, per scope or for the whole run.
	Notes []MigrateNote
}

// MigrateNote is one line of a MigrateReport: a scope ("" for the whole
// run), a parameter ("" for the whole integration) and what to know.
type MigrateNote struct {
	Scope  string
	Param  string
	Reason string
}

// String writes a note as the CLI prints it.
func (n MigrateNote) String() string {
	var b strings.Builder
	if n.Scope != "" {
		b.WriteString(n.Scope)
		b.WriteString(": ")
	}
	if n.Param != "" {
		b.WriteString(n.Param)
		b.WriteString(": ")
	}
	b.WriteString(n.Reason)
	return b.String()
}

// SlackAppInstallSteps says how to install the GitLab for Slack app in a
// project or group, which only its web page can do.
const SlackAppInstallSteps = `the GitLab for Slack app is installed from GitLab's web page, not the API: for each project or group listed, open Settings > Integrations > GitLab for Slack app, select "Install GitLab for Slack app", allow it in Slack, then run migrate again (on GitLab.com the app is in Slack's app directory; on self-managed GitLab an administrator first sets it up under Admin > Settings > General > GitLab for Slack app). The app posts only to channels it is in: add it to each private channel the spec names`

// migration is what one migration reads, writes and how it maps.
type migration struct {
	source, target string
	// build returns the target's parameters from the source's settings
	// (nil st for an app-only target); dropped and notes are added to the
	// report for the scope.
	build func(m *migrator, pl *place, st *integrations.Settings[integrations.Values], r *scopeReport) (map[string]any, bool)
	// fresh names the target's secrets whose value is new to GitLab, and
	// that are the only change (a Teams Workflows webhook replacing a
	// connector's): the spec marks them !new, so that plan sends them.
	fresh []string
}

// scopeReport gathers one scope's lines of the report.
type scopeReport struct {
	dropped, notes []MigrateNote
	secret         *pendingSecret
}

// pendingSecret is a secret the spec refers to, named once every scope is
// known.
type pendingSecret struct {
	param string
	scope string
	set   func(ref string)
}

// migrator carries one run of Migrate.
type migrator struct {
	c       *integrations.Client
	name    string
	opts    MigrateOptions
	version string
	major   int
}

// Migrate reads the targets (each Target with ProjectsIn, Project or
// Group set, and Integrations empty) and returns the spec that migrates
// every scope using the migration's source integration, with a report of
// what does not carry over. It changes nothing on GitLab: plan and apply
// the spec to migrate.
//
// The spec holds, per scope, the target integration with every setting
// that carries over (values read from GitLab go through the same escaping
// as Export's, so "${" typed into GitLab stays text), and the source
// integration absent unless KeepSource. Secrets GitLab never reports are
// references with stable names, as Export's: SLUG_PARAM when one scope
// needs it, PATH_SLUG_PARAM when several do; with Webhooks set, a webhook
// is a ${file:WEBHOOKS/NAME} reference instead. Scopes where the GitLab
// for Slack app is not installed are left out of the spec and listed in
// MigrateReport.NotInstalled. Scopes that inherit the source from a group
// are left out with a note: migrate the group. A name Migrate does not
// know, a To the migration does not take, or a To the server's version
// cannot take (2 before GitLab 19.0) is an error matching
// integrations.ErrValidation, before any integration is read.
func Migrate(ctx context.Context, c *integrations.Client, name string, targets []Target, opts MigrateOptions) (*Spec, *MigrateReport, error) {
	if c == nil {
		return nil, nil, fmt.Errorf("fleet: Migrate: %w: nil client", integrations.ErrValidation)
	}
	mg, ok := migrations[name]
	if !ok {
		return nil, nil, fmt.Errorf("fleet: Migrate: %w: unknown migration %q%s (one of %s)", integrations.ErrValidation, name, didYouMean(name, MigrationNames()), strings.Join(MigrationNames(), ", "))
	}
	switch {
	case name == MigrateJiraAuth && opts.To != 1 && opts.To != 2:
		return nil, nil, fmt.Errorf("fleet: Migrate: %w: jira-auth needs To 1 (Jira personal access token) or 2 (Jira Cloud service account), not %d", integrations.ErrValidation, opts.To)
	case name != MigrateJiraAuth && opts.To != 0:
		return nil, nil, fmt.Errorf("fleet: Migrate: %w: %s takes no To (only jira-auth does)", integrations.ErrValidation, name)
	case opts.Webhooks != "" && name != MigrateTeamsConnectorToWorkflows:
		return nil, nil, fmt.Errorf("fleet: Migrate: %w: %s takes no webhook mapping (only teams-connector-to-workflows does)", integrations.ErrValidation, name)
	}
	s, err := placesOnly(targets)
	if err != nil {
		return nil, nil, err
	}
	v, err := c.ServerVersion(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("fleet: Migrate: read GitLab's version: %w", err)
	}
	m := &migrator{c: c, name: name, opts: opts, version: v.Version, major: versionMajor(v.Version)}
	rep := &MigrateReport{Migration: name, ServerVersion: v.Version}
	if name == MigrateJiraAuth && opts.To == 2 && m.major != 0 && m.major < 19 {
		return nil, nil, fmt.Errorf("fleet: Migrate: %w: GitLab %s does not take jira_auth_type 2 (a Jira Cloud service account, from GitLab 19.0): use To 1, or upgrade first", integrations.ErrValidation, v.Version)
	}
	if name == MigrateSlashCommandsToSlackApp && m.major >= 19 {
		rep.Notes = append(rep.Notes, MigrateNote{Reason: "GitLab " + v.Version + " has no Slack slash commands (removed in GitLab 19.0): nothing is left to migrate; install the GitLab for Slack app for its /gitlab command"})
		return &Spec{Version: 1}, rep, nil
	}
	places, err := expand(ctx, s, clientLister(c))
	if err != nil {
		return nil, nil, err
	}
	outs := make([]map[string]Desired, len(places))
	reps := make([]scopeReport, len(places))
	state := make([]string, len(places)) // "", "migrated", "not-installed"
	err = forEachPlace(ctx, places, opts.Concurrency, "migrate", opts.Progress, func(i int) (err error) {
		outs[i], state[i], err = m.place(ctx, mg, places[i], &reps[i])
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("fleet: migrate: %w", err)
	}
	out := &Spec{Version: 1}
	var secrets []*pendingSecret
	for i, pl := range places {
		rep.Dropped = append(rep.Dropped, reps[i].dropped...)
		rep.Notes = append(rep.Notes, reps[i].notes...)
		switch state[i] {
		case "not-installed":
			rep.NotInstalled = append(rep.NotInstalled, pl.text)
			continue
		case "":
			continue
		}
		rep.Migrated = append(rep.Migrated, pl.text)
		if reps[i].secret != nil {
			secrets = append(secrets, reps[i].secret)
		}
		kind, ref, _ := strings.Cut(pl.text, ":")
		t := Target{Integrations: outs[i]}
		if kind == "group" {
			t.Group = ref
		} else {
			t.Project = ref
		}
		out.Targets = append(out.Targets, t)
	}
	if len(rep.NotInstalled) > 0 {
		rep.InstallSteps = SlackAppInstallSteps
	}
	rep.Secrets = m.nameSecrets(mg.target, secrets)
	return out, rep, nil
}

// place reads one scope and returns what the spec wants there.
func (m *migrator) place(ctx context.Context, mg migration, pl *place, r *scopeReport) (map[string]Desired, string, error) {
	list, err := m.c.List(ctx, pl.scope)
	if err != nil {
		return nil, "", fmt.Errorf("fleet: %s: list integrations: %w", pl.text, err)
	}
	active := map[string]*integrations.Integration{}
	for _, it := range list {
		if it.Active {
			active[it.Slug] = it
		}
	}
	src := active[mg.source]
	if src == nil {
		return nil, "", nil
	}
	if src.Inherited {
		r.notes = append(r.notes, MigrateNote{Scope: pl.text, Reason: mg.source + " uses the group's settings: migrate the group, and this scope follows"})
		return nil, "", nil
	}
	if mg.target == "gitlab-slack-application" {
		if active[mg.target] == nil {
			r.dropped = append(r.dropped, MigrateNote{Scope: pl.text, Reason: "the GitLab for Slack app is not installed here: left alone until it is"})
			return nil, "not-installed", nil
		}
	}
	d, err := m.c.Integration(mg.source)
	if err != nil {
		return nil, "", fmt.Errorf("fleet: %s: %s: %w", pl.text, mg.source, err)
	}
	st, err := d.Get(ctx, pl.scope)
	if err != nil {
		return nil, "", fmt.Errorf("fleet: %s: get %s: %w", pl.text, mg.source, err)
	}
	params, ok := mg.build(m, pl, st, r)
	if !ok {
		return nil, "", nil
	}
	want := map[string]Desired{}
	if len(params) == 0 {
		want[mg.target] = Desired{State: Present}
	} else {
		want[mg.target] = Desired{State: Present, Params: params, NewSecrets: mg.fresh}
	}
	if mg.source != mg.target && !m.opts.KeepSource {
		want[mg.source] = Desired{State: Absent}
	}
	return want, "migrated", nil
}

// carried returns the parameters of the target that the source reports,
// by the same name, escaped as Export's values; each parameter of the
// source not in the target, nor in skip, is reported dropped with why.
func carried(pl *place, from, to string, st *integrations.Settings[integrations.Values], why map[string]string, r *scopeReport) map[string]any {
	src, _ := integrations.Lookup(from)
	dst, _ := integrations.Lookup(to)
	out := map[string]any{}
	for _, p := range src.Parameters {
		if p.Ignored || p.Name == "use_inherited_settings" {
			continue
		}
		tp, ok := dst.Parameter(p.Name)
		if !ok {
			if reason, known := why[p.Name]; known {
				if reason != "" {
					r.dropped = append(r.dropped, MigrateNote{Scope: pl.text, Param: p.Name, Reason: reason})
				}
			} else if v, rep := reported(p, st); rep && asString(v) != "" && v != false {
				r.dropped = append(r.dropped, MigrateNote{Scope: pl.text, Param: p.Name, Reason: to + " has no such setting"})
			}
			continue
		}
		if p.Secret {
			continue
		}
		v, ok := reported(p, st)
		if !ok || v == nil {
			if !reportable(p, nil) {
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: p.Name, Reason: "GitLab does not report it, so it is not carried over: add it to the spec if it was set"})
			}
			continue
		}
		nv, msg := normalise(tp, literal(v))
		if msg != "" {
			r.dropped = append(r.dropped, MigrateNote{Scope: pl.text, Param: p.Name, Reason: "GitLab's value does not fit " + to + ": " + msg})
			continue
		}
		out[p.Name] = nv
	}
	return out
}

// nameSecrets gives each pending secret its reference: SLUG_PARAM when
// one scope has it, PATH_SLUG_PARAM when several do, as Export names
// them; a file in the webhook mapping when one is given.
func (m *migrator) nameSecrets(slug string, secrets []*pendingSecret) []MigrateNote {
	var out []MigrateNote
	used := map[string]bool{}
	for _, s := range secrets {
		var env string
		if len(secrets) == 1 {
			env = envName(slug, s.param)
		} else {
			kind, ref, _ := strings.Cut(s.scope, ":")
			if kind == "group" {
				env = envName("group", ref, slug, s.param)
			} else {
				env = envName(ref, slug, s.param)
			}
		}
		if !validEnvName(env) {
			env = "X_" + env
		}
		base := env
		for n := 2; used[env]; n++ {
			env = base + "_" + strconv.Itoa(n)
		}
		used[env] = true
		ref := "${env:" + env + "}"
		if m.opts.Webhooks != "" {
			ref = "${file:" + literalText(filepath.ToSlash(filepath.Join(m.opts.Webhooks, env))) + "}"
		}
		s.set(ref)
		out = append(out, MigrateNote{Scope: s.scope, Param: s.param, Reason: ref})
	}
	return out
}

// needSecret records that the scope's target needs a secret reference in
// params[param], named once every scope is known.
func needSecret(pl *place, r *scopeReport, params map[string]any, param string) {
	r.secret = &pendingSecret{param: param, scope: pl.text, set: func(ref string) { params[param] = ref }}
}

// versionMajor is the major number of a version such as "18.11.2-ee", 0
// when it has none.
func versionMajor(v string) int {
	head, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(head)
	if err != nil {
		return 0
	}
	return n
}
