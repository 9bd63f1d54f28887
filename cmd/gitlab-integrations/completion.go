package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
)

func newCompletionCmd(_ *rootOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print a shell completion script",
		Long: `completion prints the completion script of a shell on stdout.

  bash:  source <(gitlab-integrations completion bash)
  zsh:   gitlab-integrations completion zsh > "${fpath[1]}/_gitlab-integrations"
  fish:  gitlab-integrations completion fish > ~/.config/fish/completions/gitlab-integrations.fish`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, w := cmd.Root(), cmd.OutOrStdout()
			var err error
			switch args[0] {
			case "bash":
				err = root.GenBashCompletionV2(w, true)
			case "zsh":
				err = root.GenZshCompletion(w)
			case "fish":
				err = root.GenFishCompletion(w, true)
			default:
				return fmt.Errorf("completion %q: the shells are bash, zsh and fish", args[0])
			}
			if err != nil {
				return fmt.Errorf("writing the %s completion: %w", args[0], err)
			}
			return nil
		},
	}
}

// outputFormats are the --output formats of the commands that print more
// than dataFormats; the others print dataFormats.
var outputFormats = map[string][]string{
	"plan":   {"text", "table", "json", "yaml", "csv"},
	"apply":  append(append([]string{}, dataFormats...), "jsonl"),
	"audit":  append(append([]string{}, dataFormats...), "html"),
	"export": {"yaml"},
}

// completeOutput completes --output with the formats of the command.
func completeOutput(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	formats, ok := outputFormats[cmd.Name()]
	if !ok {
		formats = dataFormats
	}
	return formats, cobra.ShellCompDirectiveNoFileComp
}

// completeSlugList completes a comma-separated list of slugs, such as
// --integration jira,sl: the slugs after what is typed so far.
func completeSlugList(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	done := ""
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		done = toComplete[:i+1]
	}
	var out []string
	for _, in := range integrations.Catalog() {
		out = append(out, done+in.Slug+"\t"+in.Title)
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// setArgsCompletion completes set's arguments: the slug, then the names of
// its parameters as "name=".
func setArgsCompletion(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return slugCompletion(cmd, args, toComplete)
	}
	in, err := integrations.Resolve(args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, p := range in.Parameters {
		out = append(out, p.Name+"=\t"+p.Description)
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// registerCompletions gives the flags of root and its commands their
// values' completion: --output, and the slug lists --integration and --only.
func registerCompletions(root *cobra.Command) {
	_ = root.RegisterFlagCompletionFunc("output", completeOutput)
	walkCommands(root, func(cmd *cobra.Command) {
		for _, name := range []string{"integration", "only"} {
			if cmd.LocalFlags().Lookup(name) != nil {
				_ = cmd.RegisterFlagCompletionFunc(name, completeSlugList)
			}
		}
	})
}

// walkCommands calls fn on cmd and every command below it.
func walkCommands(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, c := range cmd.Commands() {
		walkCommands(c, fn)
	}
}
