package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestAuditInMemory(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, env(nil)))
	first, table, ok := strings.Cut(out.String(), "\n\n")
	require.True(t, ok, out.String())
	assert.Regexp(t, `^GITLAB_URL and GITLAB_TOKEN are not set: auditing an in-memory GitLab at http://127\.0\.0\.1:\d+\.$`, first)
	// The groups' Jira, Slack and Mattermost reach the projects and the
	// subgroup below them, as GitLab copies them.
	assert.Equal(t, ""+
		"                              emails-on-push  jenkins  jira  mattermost  pipelines-email  slack\n"+
		"group acme                    -               -        yes   -           -                yes\n"+
		"group acme/platform           -               -        yes   yes         -                yes\n"+
		"project acme/web              yes             -        yes   -           -                yes\n"+
		"project acme/api              -               -        yes   -           yes              yes\n"+
		"project acme/platform/runner  -               yes      yes   yes         -                -\n"+
		"project acme/legacy           ?               ?        ?     ?           ?                ?\n"+
		"active on                     1               1        5     2           1                4\n"+
		"? project acme/legacy: not found, or the token cannot see it\n", table)
}

// TestAuditOnAGivenGitLab takes the path a real GitLab takes, with an
// in-memory one standing in for it.
func TestAuditOnAGivenGitLab(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	gid := srv.AddGroup("team")
	pid := srv.AddProject("team/app")
	c, err := srv.NewClient()
	require.NoError(t, err)
	_, err = c.Asana.Set(context.Background(), integrations.ProjectID(pid), &integrations.AsanaOptions{APIKey: "k"})
	require.NoError(t, err)

	vars := map[string]string{
		"GITLAB_URL": srv.URL(), "GITLAB_TOKEN": srv.Token(),
		"GITLAB_GROUPS": strconv.FormatInt(gid, 10), "GITLAB_PROJECTS": "team/app, 99",
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, env(vars)))
	assert.Equal(t, ""+
		"                  asana\n"+
		"group 1           -\n"+
		"project team/app  yes\n"+
		"project 99        ?\n"+
		"active on         1\n"+
		"? project 99: not found, or the token cannot see it\n", out.String())
}

func TestAuditEnvironmentErrors(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, env(map[string]string{"GITLAB_URL": "https://gitlab.example.com", "GITLAB_TOKEN": "glpat-x"}))
	require.ErrorContains(t, err, "neither GITLAB_GROUPS nor GITLAB_PROJECTS is set")
	err = run(context.Background(), &out, env(map[string]string{"GITLAB_URL": "https://gitlab.example.com"}))
	require.ErrorContains(t, err, "set both GITLAB_URL and GITLAB_TOKEN")
	assert.Empty(t, out.String())
}
