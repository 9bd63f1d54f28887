package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// disableOptions are the flags of disable.
type disableOptions struct {
	scope scopeFlags
	bulk  bulkFlags

	// ignoreNotFound takes an integration never set up (GitLab's 404
	// "Integration Not Found") as disabled already.
	ignoreNotFound bool
}

func newDisableCmd(root *rootOptions) *cobra.Command {
	var opts disableOptions
	cmd := &cobra.Command{
		Use:   "disable SLUG --project P | --group G | --projects-in G",
		Short: "Turn an integration off and reset its settings",
		Long: `disable turns the integration off on a project or group; GitLab also resets
its settings (event flags are kept).

--projects-in G disables it on every project under the group G that has it
on (--include and --exclude globs choose among them, as a spec's
projects_in: does): disable plans it as plan does, shows the plan and asks
as apply does (--yes to skip the question, --dry-run to only show the plan,
exit 2 when it has changes), then applies it, reporting every change as
apply does (exit 3 when some failed). A project that inherits the
integration from a group stops inheriting it.`,
		Example: `  gitlab-integrations disable slack --project acme/web
  gitlab-integrations disable asana --projects-in acme --include 'acme/legacy/**' --yes`,
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
			if opts.bulk.planned() {
				if err := opts.bulk.checkPlaces(d.Info().Slug); err != nil {
					return err
				}
				want := map[string]fleet.Desired{d.Info().Slug: {State: fleet.Absent}}
				return newBulkPlan(&opts.bulk, scopeFlag(opts.scope), []integrations.Scope{opts.scope.scope()}, want).run(cmd, root, &opts.bulk)
			}
			scope := opts.scope.scope()
			err = d.Delete(cmd.Context(), scope)
			if opts.ignoreNotFound && errors.Is(err, integrations.ErrIntegrationNotFound) {
				root.notef("%s was never set up on %s: nothing to disable.", d.Info().Slug, scope)
				return nil
			}
			if err != nil {
				return fmt.Errorf("disabling %s on %s: %w", d.Info().Slug, scope, err)
			}
			root.notef("Disabled %s on %s.", d.Info().Slug, scope)
			return nil
		},
	}
	opts.bulk.bind(cmd)
	opts.scope.bind(cmd)
	cmd.Flags().BoolVar(&opts.ignoreNotFound, "ignore-not-found", false, "exit 0 when the integration was never set up there (GitLab answers 404), instead of failing")
	return cmd
}
