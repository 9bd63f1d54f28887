package main

import (
	"fmt"

	"github.com/spf13/cobra"
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
