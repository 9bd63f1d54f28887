package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

// behind puts srv behind a proxy whose rewrite may change each PUT's body
// before srv sees it, or replace srv's answer; it returns a client of the
// proxy.
func behind(t *testing.T, srv *integrationstest.Server, rewrite func(r *http.Request, body []byte) (newBody []byte, answerStatus int)) *integrations.Client {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			srv.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		body, status := rewrite(r, body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		if status == 0 {
			srv.ServeHTTP(w, r)
			return
		}
		// srv serves the request, then GitLab's answer is lost in a 500.
		srv.ServeHTTP(httptest.NewRecorder(), r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"message":"500 Internal Server Error"}`)
	}))
	t.Cleanup(hs.Close)
	c, err := integrations.NewClient(srv.Token(), integrations.WithBaseURL(hs.URL), integrations.WithoutRetries())
	require.NoError(t, err)
	return c
}

// dropKey removes a key from a JSON body, as a GitLab that ignores the
// parameter would.
func dropKey(t *testing.T, body []byte, key string) []byte {
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	delete(m, key)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

const channelSpec = `version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#new, #ops"
        push_events: false
        pipeline_events: true
`

// A Set GitLab answers 200 without taking a value fails, naming the field;
// values GitLab normalises (a comma list in another order) do not.
func TestApplyReportsWhatGitLabKept(t *testing.T) {
	srv, direct := setup(t)
	srv.AddProject("acme/web")
	ctx := context.Background()
	_, err := direct.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{
		Webhook: sentinel, Channel: integrations.Ptr("#old"), PushEvents: integrations.Ptr(true)})
	require.NoError(t, err)
	var mu sync.Mutex
	var drop []string
	c := behind(t, srv, func(_ *http.Request, body []byte) ([]byte, int) {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range drop {
			body = dropKey(t, body, k)
		}
		// GitLab stores the list as written; send it reordered to show
		// that the comparison reads it as a set.
		return bytes.Replace(body, []byte(`"#new, #ops"`), []byte(`"#ops,#new"`), 1), 0
	})
	lookup := env(map[string]string{"SLACK_WEBHOOK": sentinel})

	mu.Lock()
	drop = []string{"channel", "push_events"}
	mu.Unlock()
	p, err := fleet.NewPlan(ctx, c, parse(t, channelSpec), fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	require.Equal(t, 1, p.Summary.Update)
	p.Changes[0].Where = "fleet.yaml:3"
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup})
	require.NoError(t, err)
	require.Len(t, res.Results, 1)
	r := res.Results[0]
	assert.Equal(t, fleet.StatusFailed, r.Status)
	assert.Equal(t, "fleet.yaml:3", r.Where)
	assert.ErrorIs(t, r.Err, fleet.ErrNotTaken)
	assert.Equal(t, `fleet.yaml:3: project:acme/web: slack: update: GitLab kept channel "#old" where "#new, #ops" was sent; `+
		`GitLab kept push_events true where false was sent`, r.Error)
	assert.Equal(t, 1, res.Failed())
	assert.Equal(t, 0, res.Applied())

	// Taken, in GitLab's own order: applied.
	mu.Lock()
	drop = nil
	mu.Unlock()
	res, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup})
	require.NoError(t, err)
	assert.Equal(t, fleet.StatusApplied, res.Results[0].Status, res.Results[0].Error)
	assert.Equal(t, 1, res.Applied())
}

// A PUT GitLab carried out but answered 500 is read again and reported
// applied; one it did not carry out is failed, and says so.
func TestApplyAfterAmbiguous500(t *testing.T) {
	srv, _ := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	var mu sync.Mutex
	lost := map[string]bool{} // project whose PUT is served, then answered 500
	c := behind(t, srv, func(r *http.Request, body []byte) ([]byte, int) {
		mu.Lock()
		defer mu.Unlock()
		if lost[r.URL.EscapedPath()] {
			return body, 500
		}
		return body, 0
	})
	lookup := env(map[string]string{"SLACK_WEBHOOK": sentinel})
	p, err := fleet.NewPlan(ctx, c, parse(t, twoSlackSpec), fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	require.Equal(t, 2, p.Summary.Create)
	mu.Lock()
	lost["/api/v4/projects/acme%2Fweb/integrations/slack"] = true
	mu.Unlock()
	srv.ResetRequests()

	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup})
	require.NoError(t, err)
	byScope := map[string]fleet.TargetResult{}
	for _, r := range res.Results {
		byScope[r.Scope.String()] = r
	}
	assert.Equal(t, fleet.StatusApplied, byScope["project acme/web"].Status, byScope["project acme/web"].Error)
	assert.Equal(t, fleet.StatusApplied, byScope["project acme/api"].Status)
	gets := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodGet {
			gets++
		}
	}
	assert.Equal(t, 1, gets, "one re-read, for the change answered 500")

	// A 500 from GitLab itself (nothing saved): failed, and read again.
	p2, err := fleet.NewPlan(ctx, c, parse(t, strings.ReplaceAll(twoSlackSpec, "#deploys", "#other")), fleet.PlanOptions{LookupEnv: lookup})
	require.NoError(t, err)
	srv.FailNext(1, 500)
	res, err = fleet.Apply(ctx, c, p2, fleet.ApplyOptions{LookupEnv: lookup, Concurrency: 1})
	require.NoError(t, err)
	require.Equal(t, 1, res.Failed())
	f := res.Results[0]
	if f.Status != fleet.StatusFailed {
		f = res.Results[1]
	}
	assert.ErrorIs(t, f.Err, fleet.ErrMayHaveBeenApplied)
	assert.Contains(t, f.Error, `500 Internal Server Error; it may have been applied in part: reading it again, GitLab kept channel "#deploys" where "#other" was sent`)
	assert.Equal(t, 1, res.Applied())
}

const twoSlackSpec = `version: 1
targets:
  - projects_in: acme
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#deploys"
`

// manyProjects is a spec creating Slack on n projects, and the server
// holding them, slow enough that an Apply can be stopped part way.
func manyProjects(t *testing.T, n int) (*integrationstest.Server, *integrations.Client, *fleet.Plan) {
	t.Helper()
	srv, c := setup(t)
	for i := range n {
		srv.AddProject(fmt.Sprintf("acme/svc-%03d", i))
	}
	p, err := fleet.NewPlan(context.Background(), c, parse(t, twoSlackSpec), fleet.PlanOptions{})
	require.NoError(t, err)
	require.Equal(t, n, p.Summary.Create)
	srv.ResetRequests()
	srv.SetLatency(40 * time.Millisecond)
	return srv, c, p
}

// checkStopped checks that every change has a status, that the applied
// ones are on GitLab, and that nothing was sent for the others.
func checkStopped(t *testing.T, srv *integrationstest.Server, c *integrations.Client, res *fleet.ApplyResult, total int) {
	t.Helper()
	require.Len(t, res.Results, total)
	assert.Equal(t, total, res.Applied()+res.Failed()+res.NotStarted())
	sent := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPut {
			sent[r.Path] = true
		}
	}
	srv.SetLatency(0)
	for _, r := range res.Results {
		path := "/api/v4/projects/" + strings.ReplaceAll(strings.TrimPrefix(r.Scope.String(), "project "), "/", "%2F") + "/integrations/slack"
		switch r.Status {
		case fleet.StatusApplied:
			st, err := c.Slack.Get(context.Background(), r.Scope)
			if assert.NoError(t, err) {
				assert.True(t, st.Active)
				assert.Equal(t, "#deploys", st.Properties.Channel)
			}
		case fleet.StatusNotStarted:
			assert.False(t, sent[path], "%s was sent although not started", path)
			assert.NoError(t, r.Err)
		case fleet.StatusFailed:
			assert.Error(t, r.Err)
		default:
			t.Errorf("%s: status %q", r.Scope, r.Status)
		}
	}
}

// Stop: the changes in flight finish, no new one starts, every change is
// reported, the state file is written.
func TestApplyStop(t *testing.T) {
	const total = 60
	srv, c, p := manyProjects(t, total)
	stop := make(chan struct{})
	var once sync.Once
	stateFile := filepath.Join(t.TempDir(), "state.json")
	var finished []fleet.TargetResult
	res, err := fleet.Apply(context.Background(), c, p, fleet.ApplyOptions{
		Concurrency: 4,
		LookupEnv:   env(map[string]string{"SLACK_WEBHOOK": sentinel}),
		StateFile:   stateFile,
		Progress: func(e fleet.Event) {
			if e.Done == 10 {
				once.Do(func() { close(stop) })
			}
		},
		Finished: func(r fleet.TargetResult) { finished = append(finished, r) },
		Stop:     stop,
	})
	require.ErrorIs(t, err, fleet.ErrStopped)
	checkStopped(t, srv, c, res, total)
	assert.Equal(t, 0, res.Failed())
	assert.GreaterOrEqual(t, res.Applied(), 10)
	assert.LessOrEqual(t, res.Applied(), 10+4, "at most the changes in flight finish after Stop")
	assert.Equal(t, total-res.Applied(), res.NotStarted())
	assert.Len(t, finished, res.Applied(), "Finished is called for each change applied or failed")
	data, err := os.ReadFile(stateFile)
	require.NoError(t, err)
	assert.Equal(t, res.Applied(), strings.Count(string(data), "project:acme/svc-"), "the state file records each change applied")
	t.Logf("stopped: %d applied, %d failed, %d not started", res.Applied(), res.Failed(), res.NotStarted())
}

// Cancelling ctx cancels the requests in flight: they fail, "may have been
// applied", and Failed counts them.
func TestApplyCancel(t *testing.T) {
	const total = 60
	srv, c, p := manyProjects(t, total)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{
		Concurrency: 4,
		LookupEnv:   env(map[string]string{"SLACK_WEBHOOK": sentinel}),
		Progress: func(e fleet.Event) {
			if e.Done == 10 {
				// Let the next requests reach the server, then cancel.
				go func() { time.Sleep(10 * time.Millisecond); cancel() }()
			}
		},
	})
	require.ErrorIs(t, err, context.Canceled)
	checkStopped(t, srv, c, res, total)
	assert.Positive(t, res.Failed(), "the requests in flight were cancelled")
	assert.Positive(t, res.NotStarted())
	for _, r := range res.Results {
		if r.Status == fleet.StatusFailed {
			assert.True(t, errors.Is(r.Err, fleet.ErrMayHaveBeenApplied) && errors.Is(r.Err, context.Canceled), r.Error)
			assert.Contains(t, r.Error, "it may have been applied: the request was in flight when apply was cancelled")
		}
	}
	t.Logf("cancelled: %d applied, %d failed, %d not started", res.Applied(), res.Failed(), res.NotStarted())
}

// A result marshals its status in JSON.
func TestTargetResultJSON(t *testing.T) {
	b, err := json.Marshal(fleet.TargetResult{Scope: integrations.Project("acme/web"), Integration: "slack", Action: fleet.Create, Status: fleet.StatusNotStarted})
	require.NoError(t, err)
	assert.JSONEq(t, `{"scope":"project:acme/web","integration":"slack","action":"create","status":"not started"}`, string(b))
}
