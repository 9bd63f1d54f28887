package main

import (
	"bytes"
	"context"
	"regexp"
	"sort"
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

func TestBulkConfigureInMemory(t *testing.T) {
	var out bytes.Buffer
	failed, demo, err := run(context.Background(), &out, nil, env(nil))
	require.NoError(t, err)
	assert.True(t, demo)
	assert.Equal(t, 1, failed)

	progress := regexp.MustCompile(`(?m)^\[\s*(\d+)/13\] (\S+): (.*)$`).FindAllStringSubmatch(out.String(), -1)
	require.Len(t, progress, 13, out.String())
	var projects []string
	for i, m := range progress {
		assert.Equal(t, i+1, atoi(m[1]), "progress counts up")
		projects = append(projects, m[2])
		if m[2] == "acme/retired-service" {
			assert.Equal(t, "FAILED: no such project, or the token cannot see it", m[3])
		} else {
			assert.Equal(t, "ok", m[3], m[2])
		}
	}
	sort.Strings(projects)
	assert.Equal(t, "acme/retired-service", projects[0])
	assert.Equal(t, "acme/service-12", projects[12], "every project once")
	assert.Regexp(t, `Done in \S+: 12 configured, 1 failed\.\n  acme/retired-service: no such project, or the token cannot see it\n`, out.String())
	assert.Regexp(t, `The in-memory GitLab answered 503 to [1-9]\d* requests; the SDK retried each of them\.\n$`, out.String())
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// TestBulkConfigureOnAGivenGitLab takes the path a real GitLab takes, with
// an in-memory one standing in for it, and checks what each project got.
func TestBulkConfigureOnAGivenGitLab(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	want := []string{"team/a", "team/b", "team/c"}
	for _, p := range want {
		srv.AddProject(p)
	}
	vars := map[string]string{"GITLAB_URL": srv.URL(), "GITLAB_TOKEN": srv.Token(), "GITLAB_PROJECTS": "team/c, team/a,team/b team/gone"}

	var out bytes.Buffer
	failed, demo, err := run(context.Background(), &out, []string{"-workers", "2", "-recipients", "ci@example.com"}, env(vars))
	require.NoError(t, err)
	assert.False(t, demo)
	assert.Equal(t, 1, failed)
	assert.Contains(t, out.String(), "on 4 projects, 2 at a time")

	c, err := srv.NewClient()
	require.NoError(t, err)
	for _, p := range want {
		s, err := c.EmailsOnPush.Get(context.Background(), integrations.Project(p))
		require.NoError(t, err, p)
		assert.True(t, s.Active)
		assert.Equal(t, "ci@example.com", s.Properties.Recipients)
		assert.True(t, s.PushEvents)
		assert.False(t, s.TagPushEvents)
		assert.True(t, s.Properties.SendFromCommitterEmail)
	}
	puts := 0
	for _, r := range srv.Requests() {
		if r.Method == "PUT" {
			puts++
		}
	}
	assert.Equal(t, 4, puts, "one PUT per project")
}

func TestBulkConfigureBadInput(t *testing.T) {
	var out bytes.Buffer
	_, _, err := run(context.Background(), &out, []string{"-workers", "0"}, env(nil))
	require.EqualError(t, err, "-workers 0: need at least 1")
	_, _, err = run(context.Background(), &out, nil, env(map[string]string{"GITLAB_URL": "https://gitlab.example.com", "GITLAB_TOKEN": "glpat-x"}))
	require.ErrorContains(t, err, "GITLAB_PROJECTS is not set")
	_, _, err = run(context.Background(), &out, nil, env(map[string]string{"GITLAB_TOKEN": "glpat-x"}))
	require.ErrorContains(t, err, "set both GITLAB_URL and GITLAB_TOKEN")
	assert.False(t, strings.Contains(out.String(), "Setting up"), "nothing was attempted")
}
