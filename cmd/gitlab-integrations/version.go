package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// toolVersion is the module version the binary was built from, such as
// "v1.2.0", or "(devel)" for a build from a clone.
func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// versionOptions are the flags of version.
type versionOptions struct {
	server bool
}

// versionView is what version prints as JSON or YAML.
type versionView struct {
	Version       string `json:"version" yaml:"version"`
	Go            string `json:"go" yaml:"go"`
	Platform      string `json:"platform" yaml:"platform"`
	ServerVersion string `json:"server_version,omitempty" yaml:"server_version,omitempty"`
	ServerEE      *bool  `json:"server_enterprise,omitempty" yaml:"server_enterprise,omitempty"`
}

func newVersionCmd(root *rootOptions) *cobra.Command {
	var opts versionOptions
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the tool's version (and with --server, GitLab's)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := root.format("table", dataFormats...)
			if err != nil {
				return err
			}
			v := versionView{Version: toolVersion(), Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
			if opts.server {
				c, err := root.client()
				if err != nil {
					return err
				}
				sv, err := c.ServerVersion(cmd.Context())
				if err != nil {
					return fmt.Errorf("asking GitLab for its version: %w", err)
				}
				v.ServerVersion = sv.Version
				v.ServerEE = &sv.Enterprise
			}
			if format == "table" {
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "gitlab-integrations %s (%s, %s)\n", v.Version, v.Go, v.Platform)
				if opts.server {
					fmt.Fprintf(w, "GitLab %s\n", v.ServerVersion)
				}
				return nil
			}
			t := &table{header: []string{"VERSION", "GO", "PLATFORM", "SERVER VERSION"}}
			t.add(v.Version, v.Go, v.Platform, v.ServerVersion)
			return render(cmd.OutOrStdout(), format, v, t)
		},
	}
	cmd.Flags().BoolVar(&opts.server, "server", false, "also ask GitLab for its version")
	return cmd
}
