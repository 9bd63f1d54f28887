package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations/fleet"
)

// exportOptions are the flags of export.
type exportOptions struct {
	projectsIn  []string
	projects    []string
	groups      []string
	only        []string
	concurrency int
}

func newExportCmd(root *rootOptions) *cobra.Command {
	var opts exportOptions
	cmd := &cobra.Command{
		Use:   "export --projects-in G | --project P | --group G",
		Short: "Print the spec of what GitLab has now (YAML)",
		Long: `export reads the active integrations of the targets and prints the spec that
reproduces them, in the YAML that plan and apply read. GitLab never reports
secrets: the spec holds a ${env:NAME} reference for each, to fill before
applying it elsewhere.`,
		Example: `  gitlab-integrations export --projects-in acme > integrations.yaml
  gitlab-integrations export --project acme/web --only slack,jira`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := root.format("yaml", "yaml"); err != nil {
				return err
			}
			var targets []fleet.Target
			for _, g := range opts.projectsIn {
				targets = append(targets, fleet.Target{ProjectsIn: g})
			}
			for _, p := range opts.projects {
				targets = append(targets, fleet.Target{Project: p})
			}
			for _, g := range opts.groups {
				targets = append(targets, fleet.Target{Group: g})
			}
			c, err := root.client()
			if err != nil {
				return err
			}
			bar := root.newProgress()
			spec, err := fleet.Export(cmd.Context(), c, targets, fleet.ExportOptions{
				Concurrency: opts.concurrency, Progress: bar.event, Only: opts.only,
			})
			bar.finish()
			if err != nil {
				return fmt.Errorf("exporting: %w", err)
			}
			if err := spec.WriteYAML(cmd.OutOrStdout()); err != nil {
				return fmt.Errorf("writing the spec: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.projectsIn, "projects-in", nil, "every project under this group, subgroups included (repeatable)")
	f.StringArrayVarP(&opts.projects, "project", "p", nil, "a project, path or ID (repeatable)")
	f.StringArrayVarP(&opts.groups, "group", "g", nil, "a group itself, for its group-level integrations (repeatable)")
	f.StringSliceVar(&opts.only, "only", nil, "only these integrations (comma-separated slugs)")
	f.IntVar(&opts.concurrency, "concurrency", 8, "targets read at once")
	cmd.MarkFlagsOneRequired("projects-in", "project", "group")
	return cmd
}
