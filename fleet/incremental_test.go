package fleet_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fleetSpecYAML wants three integrations on every project of the group
// "fleet".
const fleetSpecYAML = `version: 1
targets:
  - projects_in: fleet
    integrations:
      slack:
        webhook: ${env:W}
        channel: '#deploys'
        pipeline_events: true
        push_events: false
      emails-on-push:
        recipients: dev@example.com, ops@example.com
      jira:
        url: https://jira.example.com
        password: ${env:P}
        project_keys: [WEB]
`

var fleetLookup = env(map[string]string{"W": sentinel, "P": "jira-" + sentinel})

// countingTransport counts the requests a client sends.
type countingTransport struct{ n atomic.Int64 }

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// take returns the count since the last take.
func (t *countingTransport) take() int64 { return t.n.Swap(0) }

// fleetOf starts a GitLab with n projects in the group "fleet" and returns
// a client that counts its requests.
func fleetOf(t *testing.T, n int) (*integrationstest.Server, *integrations.Client, *countingTransport) {
	t.Helper()
	srv := integrationstest.NewServer(integrationstest.WithRequestLogLimit(0))
	t.Cleanup(srv.Close)
	for i := range n {
		require.NotZero(t, srv.AddProject(fmt.Sprintf("fleet/p%04d", i)))
	}
	ct := &countingTransport{}
	c, err := srv.NewClient(integrations.WithHTTPClient(&http.Client{Transport: ct}))
	require.NoError(t, err)
	return srv, c, ct
}

// nextSecond waits until GitLab's clock (the same as this one) is in a
// later second than now, so that what was written before is settled.
func nextSecond() {
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
}

// drift changes one integration behind the tool's back, through the API.
func drift(t *testing.T, c *integrations.Client, project, slug string, n int) {
	t.Helper()
	d, err := c.Integration(slug)
	require.NoError(t, err)
	v := integrations.Values{}
	switch slug {
	case "slack":
		v["webhook"], v["channel"] = "https://hooks.example.com/drift", fmt.Sprintf("#drift%d", n)
	case "emails-on-push":
		v["recipients"] = fmt.Sprintf("drift%d@example.com", n)
	case "jira":
		v["url"], v["password"], v["project_keys"] = fmt.Sprintf("https://drift%d.example.com", n), "x", []string{"WEB"}
	}
	_, err = d.Set(context.Background(), integrations.Project(project), v)
	require.NoError(t, err)
}

// updates lists the plan's updates as "project:fleet/p0001 slack".
func updates(p *fleet.Plan) []string {
	var out []string
	for _, ch := range p.Changes {
		if ch.Action != fleet.NoOp {
			out = append(out, fmt.Sprintf("%s %s %s", ch.Action, ch.Scope, ch.Integration))
		}
	}
	return out
}

// TestIncrementalPlanFindsExactlyTheDrift: on 1,000 projects × 3
// integrations, a plan with a state file reads an unchanged fleet with a
// List a project (and the group's pages), and finds exactly the 100
// integrations changed through the API behind its back, one of them
// changed twice in the same second.
func TestIncrementalPlanFindsExactlyTheDrift(t *testing.T) {
	const n = 1000
	_, c, ct := fleetOf(t, n)
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "state.json")
	spec := parse(t, fleetSpecYAML)
	opts := fleet.PlanOptions{StateFile: state, LookupEnv: fleetLookup, Concurrency: 16}
	p, err := fleet.NewPlan(ctx, c, spec, opts)
	require.NoError(t, err)
	require.Equal(t, 3*n, p.Summary.Create)
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{StateFile: state, LookupEnv: fleetLookup, Concurrency: 16})
	require.NoError(t, err)
	require.Zero(t, res.Failed())
	nextSecond()

	// The first plan after the apply reads everything (apply records
	// nothing of what it wrote) and records it.
	ct.take()
	p, err = fleet.NewPlan(ctx, c, spec, opts)
	require.NoError(t, err)
	require.Empty(t, updates(p))
	assert.Equal(t, int64(n/100+n+3*n), ct.take(), "pages, Lists and every Get")
	data, err := os.ReadFile(state)
	require.NoError(t, err)
	assert.NotContains(t, string(data), sentinel, "no secret in the state file")

	// Unchanged: a List a project and the group's pages.
	p, err = fleet.NewPlan(ctx, c, spec, opts)
	require.NoError(t, err)
	require.Empty(t, updates(p))
	reqs := ct.take()
	assert.Equal(t, int64(n/100+n), reqs)
	assert.LessOrEqual(t, float64(reqs)/n, 1.05)

	// 100 random integrations change behind the tool's back, the first
	// one twice in the same second.
	rng := rand.New(rand.NewPCG(19, 19))
	slugs := []string{"emails-on-push", "jira", "slack"}
	chosen := map[string]bool{}
	var want []string
	for len(chosen) < 100 {
		project, slug := fmt.Sprintf("fleet/p%04d", rng.IntN(n)), slugs[rng.IntN(3)]
		key := "project " + project + " " + slug
		if chosen[key] {
			continue
		}
		chosen[key] = true
		want = append(want, "update "+key)
		drift(t, c, project, slug, 1)
		if len(chosen) == 1 {
			sec := time.Now().Unix()
			drift(t, c, project, slug, 2)
			require.Equal(t, sec, time.Now().Unix(), "the second change within the same second")
		}
	}
	ct.take()
	p, err = fleet.NewPlan(ctx, c, spec, opts)
	require.NoError(t, err)
	assert.ElementsMatch(t, want, updates(p))
	assert.Equal(t, int64(n/100+n+100), ct.take(), "a Get for each changed integration only")

	// --refresh reads everything and finds the same.
	refresh := opts
	refresh.Refresh = true
	p, err = fleet.NewPlan(ctx, c, spec, refresh)
	require.NoError(t, err)
	assert.ElementsMatch(t, want, updates(p))
	assert.Equal(t, int64(n/100+n+3*n), ct.take())
}

// secondsOnly puts srv behind a proxy that writes updated_at with whole
// seconds only (as a GitLab storing seconds would), and returns a client
// of it.
func secondsOnly(t *testing.T, srv *integrationstest.Server) *integrations.Client {
	t.Helper()
	frac := regexp.MustCompile(`("(?:updated|created)_at":"[^".]+)\.\d+Z"`)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = io.Copy(w, bytes.NewReader(frac.ReplaceAll(rec.Body.Bytes(), []byte(`$1.000Z"`))))
	}))
	t.Cleanup(hs.Close)
	c, err := integrations.NewClient(srv.Token(), integrations.WithBaseURL(hs.URL))
	require.NoError(t, err)
	return c
}

// TestIncrementalPlanSameSecondChange: on a GitLab whose updated_at has
// whole seconds, a change made in the same second as the plan read the
// integration shows the same updated_at as the read; the plan must not
// have trusted that read, and finds the change.
func TestIncrementalPlanSameSecondChange(t *testing.T) {
	srv := integrationstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddProject("fleet/p0000")
	c := secondsOnly(t, srv)
	ctx := context.Background()
	spec := parse(t, fleetSpecYAML)
	state := filepath.Join(t.TempDir(), "state.json")
	opts := fleet.PlanOptions{StateFile: state, LookupEnv: fleetLookup}
	p, err := fleet.NewPlan(ctx, c, spec, opts)
	require.NoError(t, err)
	_, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{StateFile: state, LookupEnv: fleetLookup})
	require.NoError(t, err)
	for try := 0; ; try++ {
		nextSecond()
		sec := time.Now().Unix()
		// A plan, reading in the second of the last change, then a change
		// in that same second.
		drift(t, c, "fleet/p0000", "slack", 0)
		p, err = fleet.NewPlan(ctx, c, spec, opts)
		require.NoError(t, err)
		require.Equal(t, []string{"update project fleet/p0000 slack"}, updates(p))
		drift(t, c, "fleet/p0000", "slack", 1)
		if time.Now().Unix() != sec {
			require.Less(t, try, 5, "never within one second")
			continue
		}
		p, err = fleet.NewPlan(ctx, c, spec, opts)
		require.NoError(t, err)
		require.Equal(t, []string{"update project fleet/p0000 slack"}, updates(p))
		assert.Equal(t, []fleet.FieldChange{{Name: "channel", From: "#drift1", To: "#deploys"}}, p.Changes[2].Fields)
		return
	}
}

// TestIncrementalPlanOtherGitLab: a state file's records of one GitLab
// are not used for another one with the same paths.
func TestIncrementalPlanOtherGitLab(t *testing.T) {
	ctx := context.Background()
	spec := parse(t, fleetSpecYAML)
	state := filepath.Join(t.TempDir(), "state.json")
	opts := fleet.PlanOptions{StateFile: state, LookupEnv: fleetLookup}
	var clients []*integrations.Client
	var counts []*countingTransport
	for range 2 {
		_, c, ct := fleetOf(t, 2)
		p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: fleetLookup})
		require.NoError(t, err)
		_, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: fleetLookup})
		require.NoError(t, err)
		clients, counts = append(clients, c), append(counts, ct)
	}
	nextSecond()
	for i, want := range []int64{1 + 2 + 6, 1 + 2} {
		counts[0].take()
		_, err := fleet.NewPlan(ctx, clients[0], spec, opts)
		require.NoError(t, err)
		assert.Equal(t, want, counts[0].take(), "plan %d of the first GitLab", i)
	}
	// The second GitLab differs: another channel on p0001's Slack.
	drift(t, clients[1], "fleet/p0001", "slack", 7)
	nextSecond()
	counts[1].take()
	p, err := fleet.NewPlan(ctx, clients[1], spec, opts)
	require.NoError(t, err)
	assert.Equal(t, int64(1+2+6), counts[1].take(), "every Get: the records are the first GitLab's")
	assert.Equal(t, []string{"update project fleet/p0001 slack"}, updates(p))
	data, err := os.ReadFile(state)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(data), `"project:fleet/p0001"`), "each GitLab's records")
}
