package integrationstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// TestSetWarnsOfIgnoredParameters sets every parameter of every
// integration: Set logs one warning naming the integration and exactly the
// parameters current GitLab ignores, never a value, and none for an
// integration without such parameters.
func TestSetWarnsOfIgnoredParameters(t *testing.T) {
	srv := integrationstest.NewServer(integrationstest.WithRemovedIntegrations())
	defer srv.Close()
	var buf bytes.Buffer
	c, err := srv.NewClient(integrations.WithoutRetries(),
		integrations.WithLogger(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	require.NoError(t, err)
	ctx := context.Background()
	srv.AddProject("acme/web")

	integrationsWithIgnored, ignoredParams := 0, 0
	for _, info := range integrations.Catalog() {
		var want []string
		for _, p := range info.Parameters {
			if p.Ignored {
				want = append(want, p.Name)
			}
		}
		buf.Reset()
		svc, err := serviceOf(c, info)
		require.NoError(t, err)
		opts := svc.newOptions()
		sent, err := fill(info, opts, 1)
		require.NoError(t, err)
		_, _ = svc.set(ctx, integrations.Project("acme/web"), opts) // the app integrations answer 422; the warning comes first

		var records []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if line == "" {
				continue
			}
			var rec map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &rec))
			records = append(records, rec)
		}
		if len(want) == 0 {
			assert.Empty(t, records, info.Slug)
			continue
		}
		integrationsWithIgnored++
		ignoredParams += len(want)
		require.Len(t, records, 1, info.Slug)
		assert.Equal(t, "WARN", records[0]["level"])
		assert.Equal(t, info.Slug, records[0]["integration"])
		assert.Equal(t, strings.Join(want, ", "), records[0]["parameters"], info.Slug)
		for _, name := range want {
			if s, ok := sent[name].(string); ok {
				assert.NotContains(t, buf.String(), s, "%s: the value of %s was logged", info.Slug, name)
			}
		}
	}
	assert.Equal(t, 11, integrationsWithIgnored)
	assert.Equal(t, 16, ignoredParams, "the parameters the catalog marks Ignored")

	buf.Reset()
	_, err = c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T0/B0/X"})
	require.NoError(t, err)
	assert.Empty(t, buf.String(), "nothing ignored, no warning")
}
