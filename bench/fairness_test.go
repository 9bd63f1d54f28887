package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The comparison is only worth something if the contenders do the same
// work: these tests check that they send the same request and decode the
// same answer.

// recordingTransport keeps a copy of every request before answering it in
// memory.
type recordingTransport struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path string
	header       http.Header
	body         []byte
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
	}
	t.mu.Lock()
	t.reqs = append(t.reqs, recorded{req.Method, req.URL.EscapedPath(), req.Header.Clone(), body})
	t.mu.Unlock()
	req.Body = nil
	return memoryTransport{LengthExact}.RoundTrip(req)
}

func (t *recordingTransport) last(tb testing.TB) recorded {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	require.NotEmpty(tb, t.reqs)
	return t.reqs[len(t.reqs)-1]
}

func TestContendersSendTheSameRequests(t *testing.T) {
	ctx := context.Background()
	rec := map[string]*recordingTransport{Floor: {}, SDK: {}, ClientGo: {}}
	floor := NewFloor("https://gitlab.example.com", &http.Client{Transport: rec[Floor]})
	sdk, err := NewSDK("https://gitlab.example.com", &http.Client{Transport: rec[SDK]})
	require.NoError(t, err)
	cg, err := NewClientGo("https://gitlab.example.com", &http.Client{Transport: rec[ClientGo]})
	require.NoError(t, err)

	for _, call := range []string{SlackGet, SlackSet, JiraSet} {
		t.Run(call, func(t *testing.T) {
			for _, c := range []*Contender{floor, sdk, cg} {
				require.NoError(t, c.call(call)(ctx, benchProject), c.Name)
			}
			f, s, g := rec[Floor].last(t), rec[SDK].last(t), rec[ClientGo].last(t)

			// The floor and the SDK: the same request, byte for byte,
			// but for the User-Agent.
			assert.Equal(t, f.method, s.method)
			assert.Equal(t, f.path, s.path)
			assert.Equal(t, string(f.body), string(s.body))
			for _, h := range []http.Header{f.header, s.header} {
				h.Del("User-Agent")
			}
			assert.Equal(t, f.header, s.header)

			// client-go: the same method and body (as JSON: its structs
			// order the keys differently); Slack goes through the
			// legacy /services/ alias, which GitLab still serves.
			assert.Equal(t, f.method, g.method)
			if f.body != nil {
				assert.JSONEq(t, string(f.body), string(g.body))
			}
			assert.Equal(t, Token, g.header.Get("PRIVATE-TOKEN"))
		})
	}
}

// TestContendersDecodeTheSameAnswer decodes the canned answers with the
// floor and the SDK and compares every field.
func TestContendersDecodeTheSameAnswer(t *testing.T) {
	ctx := context.Background()
	hc := newMemoryClient(LengthExact)
	f := &floorClient{base: "https://gitlab.example.com/api/v4", token: Token, hc: hc}
	c, err := integrations.NewClient(Token, integrations.WithBaseURL("https://gitlab.example.com"), integrations.WithHTTPClient(hc))
	require.NoError(t, err)

	floorSlack, err := f.slackGet(ctx, benchProject)
	require.NoError(t, err)
	sdkSlack, err := c.Slack.Get(ctx, integrations.Project(benchProject))
	require.NoError(t, err)
	assert.Equal(t, asMap(t, floorSlack), asMap(t, sdkSlack))
	assert.JSONEq(t, string(mustField(t, slackBody, "properties")), string(sdkSlack.RawProperties))

	floorJira, err := f.jiraSet(ctx, benchProject, &floorJiraOptions{URL: jiraURL, Password: jiraPassword})
	require.NoError(t, err)
	sdkJira, err := c.Jira.Set(ctx, integrations.Project(benchProject), &integrations.JiraOptions{URL: jiraURL, Password: jiraPassword})
	require.NoError(t, err)
	want := asMap(t, floorJira)
	// GitLab sends issues_enabled as a boolean; the SDK's field is a
	// string ("true"), the floor's a bool.
	want["properties"].(map[string]any)["issues_enabled"] = "true"
	assert.Equal(t, want, asMap(t, sdkJira))
	assert.Equal(t, []string{"WEB", "OPS"}, sdkJira.Properties.ProjectKeys)
}

// asMap is v as JSON would show it, for comparing structs of different types.
func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func mustField(t *testing.T, body []byte, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &m))
	return m[key]
}

// TestMeasurementsRun runs the concurrency and rate-limit measurements on a
// small scale, so that CI knows they work without paying their time.
func TestMeasurementsRun(t *testing.T) {
	ctx := context.Background()
	conc, err := MeasureConcurrency(ctx, 40, 1, []int{1, 4}, 0)
	require.NoError(t, err)
	require.Len(t, conc, 8, "4 contenders at 2 concurrencies")
	for _, r := range conc {
		assert.NoError(t, r.Err, "%s on %d goroutines", r.Contender, r.Goroutines)
		if r.Contender == SDKCapped {
			assert.LessOrEqual(t, r.Conns, int64(r.Goroutines), "WithMaxConnections bounds the connections")
		}
		assert.Zero(t, r.Failed)
		assert.Positive(t, r.Conns)
		assert.Positive(t, r.OpsPerSec())
	}

	rl, err := MeasureRateLimit(ctx, "adaptive", 30, 4, 1000, integrations.WithAdaptiveRateLimit())
	require.NoError(t, err)
	assert.NoError(t, rl.Err)
	assert.Zero(t, rl.Failed)
	assert.GreaterOrEqual(t, rl.Requests, int64(30))
}

// TestClientCPURuns runs the client-CPU measurement on a tiny scale: the
// child server starts, answers and reports its CPU.
func TestClientCPURuns(t *testing.T) {
	res, err := MeasureClientCPU(context.Background(), 20, 2, 1)
	require.NoError(t, err)
	require.Len(t, res, 3)
	for _, r := range res {
		assert.NoError(t, r.Err, r.Contender)
		assert.Zero(t, r.Failed, r.Contender)
		assert.Positive(t, r.ClientCPU, r.Contender)
		assert.Positive(t, r.Conns, r.Contender)
	}
}

// TestRateLimitIdeal: a run that starts at a window's start needs one
// window less than calls / rate.
func TestRateLimitIdeal(t *testing.T) {
	assert.Equal(t, 9*time.Second, RateLimitResult{Calls: 2000, PerSecond: 200}.Ideal())
	assert.Equal(t, 10*time.Second, RateLimitResult{Calls: 2001, PerSecond: 200}.Ideal())
	assert.Zero(t, RateLimitResult{Calls: 30, PerSecond: 1000}.Ideal())
	assert.Zero(t, RateLimitResult{Calls: 30, PerSecond: 1000, Elapsed: time.Second}.Ratio())
}
