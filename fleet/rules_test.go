package fleet_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A spec's values go through the SDK's own checker: what Set refuses, the
// spec refuses at its line; what GitLab accepts with a caveat (an issue
// link template without :id) is planned with a note.
func TestSpecValuesMeetTheCatalogsRules(t *testing.T) {
	_, err := fleet.ParseSpec("fleet.yaml", []byte(`version: 1
targets:
  - project: acme/web
    integrations:
      harbor:
        url: harbor.example.com
        project_name: "   "
        username: bot
        password: ${env:HARBOR_PASSWORD}
      jira:
        url: https://jira.example.com
        password: ${env:JIRA_PASSWORD}
        jira_issue_prefix: "`+strings.Repeat("x", 256)+`"
`))
	require.ErrorIs(t, err, integrations.ErrValidation)
	assert.Equal(t, "fleet.yaml:6: harbor.url: is not a URL GitLab accepts: write it with http:// or https:// and a host, such as https://example.com\n"+
		"fleet.yaml:7: harbor.project_name: is blank (spaces only): GitLab needs a value that is not blank\n"+
		"fleet.yaml:13: jira.jira_issue_prefix: is 256 characters long; GitLab accepts at most 255", err.Error())

	srv, c := setup(t)
	srv.AddProject("acme/web")
	spec := parse(t, `version: 1
targets:
  - project: acme/web
    integrations:
      custom-issue-tracker:
        project_url: https://tracker.example.com
        issues_url: https://tracker.example.com/issues
        new_issue_url: https://tracker.example.com/new
`)
	p, err := fleet.NewPlan(context.Background(), c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	require.Len(t, p.Changes, 1)
	assert.Contains(t, p.Changes[0].Notes, "issues_url has no :id: GitLab accepts it, but links every issue to the same address")
}
