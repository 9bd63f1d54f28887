package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// setOptions are the flags of set.
type setOptions struct {
	scope scopeFlags
	bulk  bulkFlags
}

func newSetCmd(root *rootOptions) *cobra.Command {
	var opts setOptions
	cmd := &cobra.Command{
		Use:   "set SLUG --project P | --group G | --projects-in G key=value…",
		Short: "Set up or update one integration",
		Long: `set sends the given parameters of an integration and turns it on. Values are
typed as the catalog says (see: gitlab-integrations catalog SLUG): "true",
"false", "1", "0" for booleans, "42" for integers, "a,b" for lists. Parameters
not given keep their value, but GitLab needs every required parameter on every
set, updates included.

The values become the scope's own settings: set sends use_inherited_settings=false
unless given, since GitLab keeps an integration that inherits a group's
settings inheriting, and ignores the values sent, when it is left out.

Secrets need not appear on the command line: key=@FILE reads a file, and
key='${env:NAME}' an environment variable (quote it so that the shell leaves it
alone). A value starting with "@" is written "@@…". Every problem is reported
at once and nothing is sent when there is one.

--projects-in G sets the integration up the same on every project under
the group G (--include and --exclude globs choose among them, as a spec's
projects_in: does): set plans it as plan does, shows the plan and asks as
apply does (--yes to skip the question, --dry-run to only show the plan,
exit 2 when it has changes), then applies it, reporting every change as
apply does (applied, failed, not started; exit 3 when some failed). Projects
that already have those values are left alone; a secret is compared only
with --state, so it is sent only when something else changes.`,
		Example: `  gitlab-integrations set slack --project acme/web webhook='${env:SLACK_WEBHOOK}' channel=#deploys pipeline_events=true
  gitlab-integrations set jira --group acme url=https://jira.example.com username=bot password=@jira-password.txt
  gitlab-integrations set slack --projects-in acme --exclude 'acme/sandbox/**' webhook='${env:SLACK_WEBHOOK}' channel=#deploys`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: setArgsCompletion,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.bulk.check(cmd, given(cmd, "project", "group"), "--project P, --group G"); err != nil {
				return err
			}
			if opts.bulk.planned() {
				return runSetPlanned(cmd, root, &opts, args)
			}
			format, err := root.format("table", dataFormats...)
			if err != nil {
				return err
			}
			values, err := parseAssignments(args[1:], root.getenv)
			if err != nil {
				return err
			}
			d, err := root.integration(args[0])
			if err != nil {
				return err
			}
			scope := opts.scope.scope()
			ownSettings(d.Info(), values)
			st, err := d.Set(cmd.Context(), scope, values)
			if err != nil {
				err = redactSent(err, d.Info(), values)
				return fmt.Errorf("setting %s on %s: %w", d.Info().Slug, scope, err)
			}
			root.notef("Set %s on %s.", d.Info().Slug, scope)
			return printSettings(cmd, format, scope, d.Info(), st)
		},
	}
	opts.bulk.bind(cmd)
	opts.scope.bind(cmd)
	return cmd
}

// runSetPlanned is set over --projects-in, or --dry-run: the values are
// checked as set checks them, then planned and applied through fleet.
func runSetPlanned(cmd *cobra.Command, root *rootOptions, opts *setOptions, args []string) error {
	values, err := parseAssignments(args[1:], root.getenv)
	if err != nil {
		return err
	}
	d, err := root.integration(args[0])
	if err != nil {
		return err
	}
	info := d.Info()
	if err := opts.bulk.checkPlaces(info.Slug); err != nil {
		return err
	}
	// The projects are not known yet: one stands for them all, for the
	// checks that depend on the level (project or group).
	scope, where := opts.scope.scope(), ""
	if opts.bulk.projectsIn != "" {
		scope, where = integrations.Project(opts.bulk.projectsIn), "the projects in "+opts.bulk.projectsIn
	} else {
		where = scope.String()
	}
	if err := d.Check(scope, values); err != nil {
		return fmt.Errorf("setting %s on %s: %w", info.Slug, where, redactSent(err, info, values))
	}
	want := map[string]fleet.Desired{info.Slug: {State: fleet.Present, Params: specParams(info, args[1:], values)}}
	return newBulkPlan(&opts.bulk, scopeFlag(opts.scope), []integrations.Scope{opts.scope.scope()}, want).run(cmd, root, &opts.bulk)
}

// scopeFlag is the flag that gave a one-scope command its scope.
func scopeFlag(f scopeFlags) string {
	if f.group != "" {
		return "--group"
	}
	return "--project"
}

// ownSettings makes the values given the scope's own settings: GitLab's
// Integrations::UpdateService keeps an integration that inherits linked to
// its group, ignoring the values sent, unless use_inherited_settings says
// otherwise.
func ownSettings(info integrations.IntegrationInfo, values integrations.Values) {
	if _, given := values["use_inherited_settings"]; given || len(values) == 0 {
		return
	}
	if _, ok := info.Parameter("use_inherited_settings"); ok {
		values["use_inherited_settings"] = false
	}
}
