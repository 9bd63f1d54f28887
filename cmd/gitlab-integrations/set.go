package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// setOptions are the flags of set.
type setOptions struct {
	scope scopeFlags
}

func newSetCmd(root *rootOptions) *cobra.Command {
	var opts setOptions
	cmd := &cobra.Command{
		Use:   "set SLUG --project P | --group G key=value…",
		Short: "Set up or update one integration",
		Long: `set sends the given parameters of an integration and turns it on. Values are
typed as the catalog says (see: gitlab-integrations catalog SLUG): "true",
"false", "1", "0" for booleans, "42" for integers, "a,b" for lists. Parameters
not given keep their value, but GitLab needs every required parameter on every
set, updates included.

Secrets need not appear on the command line: key=@FILE reads a file, and
key='${env:NAME}' an environment variable (quote it so that the shell leaves it
alone). A value starting with "@" is written "@@…". Every problem is reported
at once and nothing is sent when there is one.`,
		Example: `  gitlab-integrations set slack --project acme/web webhook='${env:SLACK_WEBHOOK}' channel=#deploys pipeline_events=true
  gitlab-integrations set jira --group acme url=https://jira.example.com username=bot password=@jira-password.txt`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: setArgsCompletion,
		RunE: func(cmd *cobra.Command, args []string) error {
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
			st, err := d.Set(cmd.Context(), scope, values)
			if err != nil {
				err = redactSent(err, d.Info(), values)
				return fmt.Errorf("setting %s on %s: %w", d.Info().Slug, scope, err)
			}
			root.notef("Set %s on %s.", d.Info().Slug, scope)
			return printSettings(cmd, format, scope, d.Info(), st)
		},
	}
	opts.scope.bind(cmd)
	return cmd
}
