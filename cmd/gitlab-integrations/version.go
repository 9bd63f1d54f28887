package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// toolVersion is the version the binary was built from: the module's
// version, such as "v1.2.0", for a build by go install …@version; else the
// commit go build recorded from a clone, such as "ae6fac47ca83" (with
// "-dirty" when the tree had changes); else "(devel)".
func toolVersion() string {
	v, _ := versionOf(debug.ReadBuildInfo())
	return v
}

// versionOf reads a version, and the time of its commit when it is one
// ("" otherwise), from the build information.
func versionOf(bi *debug.BuildInfo, ok bool) (version, commitTime string) {
	if !ok || bi == nil {
		return "(devel)", ""
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v, ""
	}
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "(devel)", ""
	}
	if len(rev) > 12 {
		rev = rev[:12] // as Go's pseudo-versions shorten it
	}
	if dirty {
		rev += "-dirty"
	}
	return rev, at
}

// versionLine is what version and --version print: "gitlab-integrations
// v1.2.0 (go1.25.0, linux/amd64)", with the commit's time after a revision.
func versionLine(v versionView) string {
	extra := v.Go + ", " + v.Platform
	if v.CommitTime != "" {
		extra = "committed " + v.CommitTime + ", " + extra
	}
	return fmt.Sprintf("gitlab-integrations %s (%s)\n", v.Version, extra)
}

// currentVersion is the tool's version as version prints it.
func currentVersion() versionView {
	ver, at := versionOf(debug.ReadBuildInfo())
	return versionView{Version: ver, CommitTime: at, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

// versionOptions are the flags of version.
type versionOptions struct {
	server bool
}

// versionView is what version prints as JSON or YAML.
type versionView struct {
	Version       string `json:"version" yaml:"version"`
	CommitTime    string `json:"commit_time,omitempty" yaml:"commit_time,omitempty"`
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
			v := currentVersion()
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
				fmt.Fprint(w, versionLine(v))
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
