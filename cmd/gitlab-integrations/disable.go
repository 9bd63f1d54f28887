package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
)

// disableOptions are the flags of disable.
type disableOptions struct {
	scope scopeFlags
	// ignoreNotFound takes an integration never set up (GitLab's 404
	// "Integration Not Found") as disabled already.
	ignoreNotFound bool
}

func newDisableCmd(root *rootOptions) *cobra.Command {
	var opts disableOptions
	cmd := &cobra.Command{
		Use:               "disable SLUG --project P | --group G",
		Short:             "Turn an integration off and reset its settings",
		Example:           "  gitlab-integrations disable slack --project acme/web",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: slugCompletion,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := root.integration(args[0])
			if err != nil {
				return err
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
	opts.scope.bind(cmd)
	cmd.Flags().BoolVar(&opts.ignoreNotFound, "ignore-not-found", false, "exit 0 when the integration was never set up there (GitLab answers 404), instead of failing")
	return cmd
}
