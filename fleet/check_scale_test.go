package fleet_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

// fleet300 sets up 300 projects under acme in 10 subgroups, slack on every
// third (one in ten outside #ops-), and nothing on the group (which its
// projects would inherit).
func fleet300(tb testing.TB) (*integrationstest.Server, *integrations.Client) {
	tb.Helper()
	srv := integrationstest.NewServer()
	tb.Cleanup(srv.Close)
	c, err := srv.NewClient()
	require.NoError(tb, err)
	ctx := context.Background()
	srv.AddGroup("acme")
	slack, err := c.Integration("slack")
	require.NoError(tb, err)
	for i := range 300 {
		p := fmt.Sprintf("acme/team-%d/app-%03d", i%10, i)
		require.NotZero(tb, srv.AddProject(p))
		if i%3 == 0 {
			channel := "#ops-" + fmt.Sprint(i)
			if i%30 == 0 {
				channel = "#random"
			}
			_, err = slack.Set(ctx, integrations.Project(p), integrations.Values{"webhook": sentinel, "channel": channel, "pipeline_events": true})
			require.NoError(tb, err)
		}
	}
	srv.ResetRequests()
	return srv, c
}

// TestCheck300Projects: on 300 projects, the pinned policy's 4 rules take
// one List per scope (301), a Get only for the 100 active slacks, and the
// project listing of acme once.
func TestCheck300Projects(t *testing.T) {
	srv, c := fleet300(t)
	pol, err := fleet.ParsePolicy("policy.yaml", []byte(pinnedPolicy))
	require.NoError(t, err)
	rep, err := fleet.Check(context.Background(), c, pol, fleet.CheckOptions{})
	require.NoError(t, err)

	lists, gets, listings := 0, map[string]int{}, 0
	for _, r := range srv.Requests() {
		require.Equal(t, "GET", r.Method)
		switch {
		case strings.HasSuffix(r.Path, "/integrations"):
			lists++
		case strings.Contains(r.Path, "/integrations/"):
			gets[r.Path[strings.LastIndexByte(r.Path, '/')+1:]]++
		case strings.HasSuffix(r.Path, "/groups/acme/projects"):
			listings++
		default:
			t.Errorf("unexpected request %s", r.Path)
		}
	}
	assert.Equal(t, 301, lists)
	assert.Equal(t, map[string]int{"slack": 100}, gets)
	assert.Equal(t, 3, listings, "300 projects at 100 a page")
	// jira nowhere: 300 projects lack it; asana nowhere; 10 slack channels
	// outside #ops-.
	assert.Equal(t, 300+10, len(rep.Findings))
	assert.Equal(t, 300+300+300+301, rep.Summary.Cases)
}

// BenchmarkCheck300Projects measures a check of the pinned policy on 300
// projects against the in-memory GitLab.
func BenchmarkCheck300Projects(b *testing.B) {
	srv, c := fleet300(b)
	pol, err := fleet.ParsePolicy("policy.yaml", []byte(pinnedPolicy))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fleet.Check(context.Background(), c, pol, fleet.CheckOptions{}); err != nil {
			b.Fatal(err)
		}
		srv.ResetRequests()
	}
}
