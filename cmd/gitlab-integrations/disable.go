package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// disableOptions are the flags of disable.
type disableOptions struct {
	scope scopeFlags
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
			if err := d.Delete(cmd.Context(), scope); err != nil {
				return fmt.Errorf("disabling %s on %s: %w", d.Info().Slug, scope, err)
			}
			root.notef("Disabled %s on %s.", d.Info().Slug, scope)
			return nil
		},
	}
	opts.scope.bind(cmd)
	return cmd
}
