package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

// listOptions are the flags of list.
type listOptions struct {
	scope scopeFlags
}

// listEntry is one active integration as list prints it.
type listEntry struct {
	Integration string    `json:"integration" yaml:"integration"`
	Title       string    `json:"title" yaml:"title"`
	Active      bool      `json:"active" yaml:"active"`
	Inherited   bool      `json:"inherited" yaml:"inherited"`
	UpdatedAt   time.Time `json:"updated_at" yaml:"updated_at"`
}

func newListCmd(root *rootOptions) *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:     "list --project P | --group G",
		Short:   "List the active integrations of a project or group",
		Example: "  gitlab-integrations list --project acme/web\n  gitlab-integrations list --group 7 --output json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := root.format("table", dataFormats...)
			if err != nil {
				return err
			}
			c, err := root.client()
			if err != nil {
				return err
			}
			scope := opts.scope.scope()
			got, err := c.List(cmd.Context(), scope)
			if err != nil {
				return fmt.Errorf("listing the integrations of %s: %w", scope, err)
			}
			entries := []listEntry{}
			t := &table{header: []string{"INTEGRATION", "TITLE", "INHERITED", "UPDATED"}}
			for _, it := range got {
				entries = append(entries, listEntry{Integration: it.Slug, Title: it.Title, Active: it.Active, Inherited: it.Inherited, UpdatedAt: it.UpdatedAt})
				t.add(it.Slug, it.Title, yesNo(it.Inherited), it.UpdatedAt.UTC().Format(time.RFC3339))
			}
			return render(cmd.OutOrStdout(), format, entries, t)
		},
	}
	opts.scope.bind(cmd)
	return cmd
}
