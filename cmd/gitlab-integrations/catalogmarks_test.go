package main

import (
	"regexp"
	"testing"

	"github.com/gitlabkit/integrations"
)

// catalog SLUG marks every parameter current GitLab ignores, and only
// those, in the table and in JSON.
func TestCatalogMarksIgnored(t *testing.T) {
	for _, slug := range []string{"slack", "jira", "bugzilla", "gitlab-slack-application"} {
		in, err := integrations.Resolve(slug)
		if err != nil {
			t.Fatal(err)
		}
		v := decodeJSON[integrationView](t, cli(t, nil, "catalog", slug, "-o", "json").ok(t).stdout)
		table := cli(t, nil, "catalog", slug).ok(t).stdout
		for i, p := range in.Parameters {
			got := v.Params[i]
			if got.Name != p.Name || got.Ignored != p.Ignored || got.Deprecated != p.Ignored || got.Note != p.Note {
				t.Errorf("%s %s: JSON %+v, catalog ignored=%v", slug, p.Name, got, p.Ignored)
			}
			row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(p.Name) + ` .*ignored by GitLab \(deprecated\)`)
			if row.MatchString(table) != p.Ignored {
				t.Errorf("%s %s: table row marked %v, want %v:\n%s", slug, p.Name, !p.Ignored, p.Ignored, table)
			}
		}
	}
}
