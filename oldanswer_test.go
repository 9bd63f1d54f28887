package integrations

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAnswersWithoutSlugFromOlderServers gives every integration its GET
// fixture without "slug", as GitLab before 14.x answered: Get decodes it as
// it decodes the full answer. An answer for another integration, or with
// neither id nor slug, is still refused; an underscore slug of older
// servers is the same integration.
func TestAnswersWithoutSlugFromOlderServers(t *testing.T) {
	t.Parallel()
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithoutRetries())
	require.NoError(t, err)
	ctx := context.Background()
	for _, sc := range generatedServices {
		full := fixtureBytes(t, sc.slug)
		body = full
		want, err := sc.get(ctx, c, ProjectID(1))
		require.NoError(t, err, sc.slug)

		var m map[string]any
		require.NoError(t, json.Unmarshal(full, &m))
		delete(m, "slug")
		body, err = json.Marshal(m)
		require.NoError(t, err)
		got, err := sc.get(ctx, c, ProjectID(1))
		require.NoError(t, err, "%s without slug", sc.slug)
		require.Equal(t, settingsWithoutSlug(t, want), settingsWithoutSlug(t, got), sc.slug)

		if strings.Contains(sc.slug, "-") {
			m["slug"] = strings.ReplaceAll(sc.slug, "-", "_")
			body, _ = json.Marshal(m)
			_, err = sc.get(ctx, c, ProjectID(1))
			require.NoError(t, err, "%s with underscores", sc.slug)
		}

		delete(m, "id")
		delete(m, "slug")
		body, _ = json.Marshal(m)
		_, err = sc.get(ctx, c, ProjectID(1))
		require.ErrorIs(t, err, ErrInvalidResponse, "%s with neither id nor slug", sc.slug)
	}
}

// settingsWithoutSlug returns s as JSON with its slug cleared.
func settingsWithoutSlug(t *testing.T, s any) string {
	t.Helper()
	data, err := json.Marshal(s)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	delete(m, "slug")
	out, _ := json.Marshal(m)
	return string(out)
}
