package main

import (
	"runtime/debug"
	"testing"
)

// The version comes from the module's version, else the commit go build
// recorded, else it is "(devel)".
func TestVersionOf(t *testing.T) {
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "ae6fac47ca83f42fb24892698164087b94d1d13f"},
			{Key: "vcs.time", Value: "2026-12-02T00:44:29Z"},
			{Key: "vcs.modified", Value: modified},
		}
	}
	for _, tc := range []struct {
		name     string
		bi       *debug.BuildInfo
		ok       bool
		want, at string
		wantLine string
	}{
		{"go install @v1.2.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}, Settings: vcs("false")}, true, "v1.2.0", "", "gitlab-integrations v1.2.0 (go1.x, linux/amd64)\n"},
		{"clone", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("false")}, true, "ae6fac47ca83", "2026-12-02T00:44:29Z", "gitlab-integrations ae6fac47ca83 (committed 2026-12-02T00:44:29Z, go1.x, linux/amd64)\n"},
		{"clone with changes", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("true")}, true, "ae6fac47ca83-dirty", "2026-12-02T00:44:29Z", ""},
		{"no VCS", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "(devel)", "", "gitlab-integrations (devel) (go1.x, linux/amd64)\n"},
		{"no version at all", &debug.BuildInfo{}, true, "(devel)", "", ""},
		{"no build information", nil, false, "(devel)", "", ""},
	} {
		v, at := versionOf(tc.bi, tc.ok)
		if v != tc.want || at != tc.at {
			t.Errorf("%s: %q, %q; want %q, %q", tc.name, v, at, tc.want, tc.at)
		}
		if tc.wantLine != "" {
			if got := versionLine(versionView{Version: v, CommitTime: at, Go: "go1.x", Platform: "linux/amd64"}); got != tc.wantLine {
				t.Errorf("%s: line %q, want %q", tc.name, got, tc.wantLine)
			}
		}
	}
}
