package integrations_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// An issue link template without :id is what GitLab accepts: the typed and
// the by-slug Set send it, and log a warning naming the parameter.
func TestSetWarnsOfAnIssueLinkWithoutID(t *testing.T) {
	srv := integrationstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddProject("acme/web")
	var logged bytes.Buffer
	c, err := srv.NewClient(integrations.WithLogger(slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	require.NoError(t, err)
	ctx := context.Background()
	scope := integrations.Project("acme/web")
	const warning = "issues_url has no :id: GitLab accepts it, but links every issue to the same address"

	opts := &integrations.RedmineOptions{ProjectURL: "https://redmine.example.com/projects/web",
		IssuesURL: "https://redmine.example.com/issues", NewIssueURL: "https://redmine.example.com/projects/web/issues/new"}
	_, err = c.Redmine.Set(ctx, scope, opts)
	require.NoError(t, err)
	assert.Contains(t, logged.String(), warning)
	assert.Contains(t, logged.String(), "integration=redmine")

	logged.Reset()
	d, err := c.Integration("youtrack")
	require.NoError(t, err)
	_, err = d.Set(ctx, scope, integrations.Values{"project_url": "https://yt.example.com/p", "issues_url": "https://yt.example.com/issue"})
	require.NoError(t, err)
	assert.Contains(t, logged.String(), warning)

	logged.Reset()
	opts.IssuesURL = "https://redmine.example.com/issues/:id"
	_, err = c.Redmine.Set(ctx, scope, opts)
	require.NoError(t, err)
	assert.Empty(t, logged.String(), "a template with :id is not warned of")
}
