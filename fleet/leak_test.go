package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecretNeverLeaks runs plan, apply, a saved plan, the state file,
// export and the errors on a spec holding the sentinel secret both as a
// reference and written out, and greps every output for it.
func TestSecretNeverLeaks(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	var logs bytes.Buffer
	c, err := srv.NewClient(integrations.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state.json")
	secretFile := filepath.Join(dir, "jira")
	require.NoError(t, os.WriteFile(secretFile, []byte(sentinel+"-file\n"), 0o600))
	spec := parse(t, fmt.Sprintf(`version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: %s
        channel: "#a"
      jira:
        url: https://jira
        password: ${file:%s}
  - project: acme/api
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
`, sentinel, secretFile))
	lookup := env(map[string]string{"SLACK_WEBHOOK": sentinel + "-env"})
	var outputs []string
	events := func(e fleet.Event) { outputs = append(outputs, fmt.Sprintf("%+v", e)) }
	record := func(v any) {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		outputs = append(outputs, string(b), fmt.Sprintf("%+v", v))
	}

	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: stateFile, LookupEnv: lookup, Progress: events})
	require.NoError(t, err)
	outputs = append(outputs, text(t, p))
	record(p)
	var saved bytes.Buffer
	require.NoError(t, json.NewEncoder(&saved).Encode(p))

	// A saved plan cannot send the written-out secret: it never held it,
	// so Apply refuses the plan before sending anything.
	read, err := fleet.ReadPlan(&saved)
	require.NoError(t, err)
	srv.ResetRequests()
	res, err := fleet.Apply(ctx, c, read, fleet.ApplyOptions{LookupEnv: lookup})
	require.Error(t, err)
	assert.Nil(t, res)
	assert.Empty(t, srv.Requests())
	outputs = append(outputs, err.Error(), fmt.Sprintf("%+v", err))
	assert.EqualError(t, err, "fleet.yaml:5: slack.webhook: a secret written as a plain value is not kept in a saved plan: write it as ${env:NAME} or ${file:PATH}; needed by project:acme/web slack")
	// The plan in memory can.
	res, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{StateFile: stateFile, LookupEnv: lookup, Progress: events})
	require.NoError(t, err)
	require.Equal(t, 0, res.Failed(), res.Results)
	record(res)

	// Rotate every secret, then plan with the state file.
	rotated := env(map[string]string{"SLACK_WEBHOOK": sentinel + "-env2"})
	p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: stateFile, LookupEnv: rotated, Progress: events})
	require.NoError(t, err)
	outputs = append(outputs, text(t, p))
	record(p)
	assert.Equal(t, 1, p.Summary.Update, text(t, p))

	// Errors: GitLab refuses a change, a value of the wrong kind.
	srv.FailNext(1, 400)
	res, err = fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: rotated})
	require.NoError(t, err)
	record(res)
	_, err = fleet.ParseSpec("bad.yaml", []byte("version: 1\ntargets:\n  - project: a/b\n    integrations:\n      slack:\n        webhook: ["+sentinel+"]\n"))
	require.Error(t, err)
	outputs = append(outputs, err.Error())

	exp, err := fleet.Export(ctx, c, []fleet.Target{{Project: "acme/web"}, {Project: "acme/api"}}, fleet.ExportOptions{Progress: events})
	require.NoError(t, err)
	var yml bytes.Buffer
	require.NoError(t, exp.WriteYAML(&yml))
	outputs = append(outputs, yml.String())
	record(exp)

	state, err := os.ReadFile(stateFile)
	require.NoError(t, err)
	outputs = append(outputs, string(state), logs.String())
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, files, 2) // the state file and the secret, no leftovers
	for i, out := range outputs {
		assert.NotContains(t, out, "SENTINEL", "output %d: %s", i, out)
	}
	assert.True(t, strings.Contains(string(state), "project:acme/web"))
}

// echoBody answers every PUT 400 with a message quoting the request body,
// as a careless proxy or server might.
type echoBody struct{}

func (echoBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPut {
		return http.DefaultTransport.RoundTrip(r)
	}
	b, _ := io.ReadAll(r.Body)
	msg, _ := json.Marshal(map[string]string{"message": "bad request: " + string(b)})
	return &http.Response{StatusCode: 400, Status: "400 Bad Request", Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(msg)), Request: r}, nil
}

func TestSecretQuotedByGitLabIsHidden(t *testing.T) {
	srv := integrationstest.NewServer()
	defer srv.Close()
	srv.AddProject("acme/web")
	c, err := srv.NewClient(integrations.WithHTTPClient(&http.Client{Transport: echoBody{}}))
	require.NoError(t, err)
	ctx := context.Background()
	spec := parse(t, webAPISpec)
	spec.Targets = spec.Targets[:1]
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	require.NoError(t, err)
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: env(map[string]string{"SLACK_WEBHOOK": sentinel})})
	require.NoError(t, err)
	require.Equal(t, 1, res.Failed())
	r := res.Results[0]
	var apiErr *integrations.Error
	assert.True(t, errors.As(r.Err, &apiErr), "the SDK's error is still reachable")
	assert.Contains(t, r.Error, `"webhook":"(secret)"`)
	assert.NotContains(t, r.Error, "SENTINEL")
	assert.NotContains(t, r.Err.Error(), "SENTINEL")
	assert.NotContains(t, fmt.Sprintf("%v %+v", r.Err, r), "SENTINEL")
}
