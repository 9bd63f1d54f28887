package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
)

// integrationView is one catalog entry as the tool prints it.
type integrationView struct {
	Slug      string          `json:"slug" yaml:"slug"`
	Title     string          `json:"title" yaml:"title"`
	Summary   string          `json:"summary,omitempty" yaml:"summary,omitempty"`
	Tier      string          `json:"tier,omitempty" yaml:"tier,omitempty"`
	Levels    []string        `json:"levels" yaml:"levels"`
	RemovedIn string          `json:"removed_in,omitempty" yaml:"removed_in,omitempty"`
	Note      string          `json:"note,omitempty" yaml:"note,omitempty"`
	Events    []string        `json:"events,omitempty" yaml:"events,omitempty"`
	Params    []parameterView `json:"parameters,omitempty" yaml:"parameters,omitempty"`
}

// parameterView is one parameter as the tool prints it.
type parameterView struct {
	Name     string `json:"name" yaml:"name"`
	Type     string `json:"type" yaml:"type"`
	Required bool   `json:"required" yaml:"required"`
	Secret   bool   `json:"secret" yaml:"secret"`
	Event    bool   `json:"event,omitempty" yaml:"event,omitempty"`
	Ignored  bool   `json:"ignored,omitempty" yaml:"ignored,omitempty"`
	// Deprecated: the SDK's field for it is deprecated, because current
	// GitLab ignores the parameter (the catalog's Ignored).
	Deprecated    bool     `json:"deprecated,omitempty" yaml:"deprecated,omitempty"`
	AllowedValues []string `json:"allowed_values,omitempty" yaml:"allowed_values,omitempty"`
	Description   string   `json:"description,omitempty" yaml:"description,omitempty"`
	Note          string   `json:"note,omitempty" yaml:"note,omitempty"`
}

// parameterStatus is the STATUS cell of a parameter: what to know before
// sending it.
func parameterStatus(p integrations.ParameterInfo) string {
	if p.Ignored {
		return "ignored by GitLab (deprecated)"
	}
	return ""
}

func levels(in integrations.IntegrationInfo) []string {
	var l []string
	if in.Project {
		l = append(l, "project")
	}
	if in.Group {
		l = append(l, "group")
	}
	return l
}

// slugCompletion completes an integration slug.
func slugCompletion(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, in := range integrations.Catalog() {
		out = append(out, in.Slug+"\t"+in.Title)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func newCatalogCmd(root *rootOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "catalog [SLUG]",
		Short: "List the integrations, or one integration's parameters",
		Long: `catalog lists every integration the tool knows, with the levels (project,
group) it can be set up at. With a SLUG it lists that integration's parameters:
type, whether required or secret, allowed values, and those current GitLab
ignores (accepted but dropped; their SDK fields are deprecated).`,
		Example: `  gitlab-integrations catalog
  gitlab-integrations catalog slack --output json`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: slugCompletion,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := root.format("table", dataFormats...)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return catalogAll(cmd, format)
			}
			return catalogOne(cmd, format, args[0])
		},
	}
}

func catalogAll(cmd *cobra.Command, format string) error {
	var views []integrationView
	t := &table{header: []string{"SLUG", "TITLE", "LEVELS", "TIER", "REMOVED IN"}}
	for _, in := range integrations.Catalog() {
		views = append(views, integrationView{
			Slug: in.Slug, Title: in.Title, Summary: in.Summary, Tier: in.Tier,
			Levels: levels(in), RemovedIn: in.RemovedIn, Note: in.Note,
		})
		t.add(in.Slug, in.Title, strings.Join(levels(in), ","), in.Tier, in.RemovedIn)
	}
	return render(cmd.OutOrStdout(), format, views, t)
}

func catalogOne(cmd *cobra.Command, format, slug string) error {
	in, err := resolve(slug)
	if err != nil {
		return err
	}
	v := integrationView{
		Slug: in.Slug, Title: in.Title, Summary: in.Summary, Tier: in.Tier,
		Levels: levels(in), RemovedIn: in.RemovedIn, Note: in.Note, Events: in.Events,
	}
	t := &table{header: []string{"PARAMETER", "TYPE", "REQUIRED", "SECRET", "STATUS", "ALLOWED VALUES", "DESCRIPTION"}}
	for _, p := range in.Parameters {
		v.Params = append(v.Params, parameterView{
			Name: p.Name, Type: string(p.Type), Required: p.Required, Secret: p.Secret,
			Event: p.Event, Ignored: p.Ignored, Deprecated: p.Ignored, AllowedValues: p.AllowedValues,
			Description: p.Description, Note: p.Note,
		})
		t.add(p.Name, string(p.Type), yesNo(p.Required), yesNo(p.Secret), parameterStatus(p), strings.Join(p.AllowedValues, ","), p.Description)
	}
	if format == "table" {
		w := cmd.OutOrStdout()
		fmt.Fprintf(w, "%s (%s): %s\n", in.Title, in.Slug, in.Summary)
		fmt.Fprintf(w, "Levels: %s", strings.Join(levels(in), ", "))
		if in.RemovedIn != "" {
			fmt.Fprintf(w, "; removed in GitLab %s", in.RemovedIn)
		}
		fmt.Fprintln(w)
		if in.Note != "" {
			fmt.Fprintf(w, "Note: %s\n", in.Note)
		}
		fmt.Fprintln(w)
	}
	return render(cmd.OutOrStdout(), format, v, t)
}

// resolve finds the integration a name refers to, as the SDK reads names.
func resolve(slug string) (integrations.IntegrationInfo, error) {
	return integrations.Resolve(slug)
}
