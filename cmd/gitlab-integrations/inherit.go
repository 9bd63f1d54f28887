package main

import (
	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// inheritOptions are the flags of inherit.
type inheritOptions struct {
	scope scopeFlags
	bulk  bulkFlags
}

func newInheritCmd(root *rootOptions) *cobra.Command {
	opts := inheritOptions{bulk: bulkFlags{always: true}}
	cmd := &cobra.Command{
		Use:   "inherit SLUG --project P | --group G | --projects-in G",
		Short: "Make projects use the settings of the group above again",
		Long: `inherit makes an integration use the settings of the nearest group above
that has it (GitLab's use_inherited_settings: true), as a spec's
"SLUG: inherit" does: a project that overrides the group's settings is
reset to them, and follows the group's changes from then on.

It plans first, as plan does: those that inherit already are left alone,
and when no group above has the integration set up with its own settings
inherit refuses (GitLab would answer "Default integration not found") and
sends nothing. It then shows the plan and asks, as apply does (--yes to
skip the question, --dry-run to only show the plan, exit 2 when it has
changes), and applies it, reporting every change as apply does (exit 3
when some failed). --projects-in G does it on every project under the
group G; --include and --exclude globs choose among them, as a spec's
projects_in: does. gitlab-integrations audit shows which projects inherit.`,
		Example: `  gitlab-integrations inherit jira --projects-in acme --exclude 'acme/sandbox/**'
  gitlab-integrations inherit slack --project acme/web --yes`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: slugCompletion,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.bulk.check(cmd, given(cmd, "project", "group"), "--project P, --group G"); err != nil {
				return err
			}
			d, err := root.integration(args[0])
			if err != nil {
				return err
			}
			if err := opts.bulk.checkPlaces(d.Info().Slug); err != nil {
				return err
			}
			want := map[string]fleet.Desired{d.Info().Slug: {State: fleet.Inherit}}
			return newBulkPlan(&opts.bulk, scopeFlag(opts.scope), []integrations.Scope{opts.scope.scope()}, want).run(cmd, root, &opts.bulk)
		},
	}
	opts.bulk.bind(cmd)
	opts.scope.bind(cmd)
	return cmd
}
