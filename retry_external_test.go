package integrations_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// TestRetriesAgainstTheFakeGitLab runs the retry policy against the
// in-memory GitLab's fault options.
func TestRetriesAgainstTheFakeGitLab(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("every other request fails with 503", func(t *testing.T) {
		t.Parallel()
		srv := integrationstest.NewServer(integrationstest.WithFailEvery(2, http.StatusServiceUnavailable))
		t.Cleanup(srv.Close)
		id := srv.AddProject("acme/web")
		c, err := srv.NewClient(integrations.WithRetries(3, time.Millisecond, 10*time.Millisecond))
		require.NoError(t, err)
		for i := range 10 {
			channel := "#deploys-" + string(rune('a'+i))
			_, err := c.Slack.Set(ctx, integrations.ProjectID(id), &integrations.SlackOptions{
				Webhook: "https://hooks.slack.com/services/T/B/X", Channel: integrations.Ptr(channel)})
			require.NoError(t, err, "set %d", i)
			got, err := c.Slack.Get(ctx, integrations.ProjectID(id))
			require.NoError(t, err, "get %d", i)
			assert.Equal(t, channel, got.Properties.Channel)
		}
		// Each failed PUT was followed by the same PUT, byte for byte.
		reqs := srv.Requests()
		retried := 0
		for i := 1; i < len(reqs); i++ {
			if reqs[i-1].Status == http.StatusServiceUnavailable && reqs[i-1].Method == http.MethodPut {
				retried++
				assert.Equal(t, http.MethodPut, reqs[i].Method)
				assert.True(t, bytes.Equal(reqs[i-1].Body, reqs[i].Body), "retried body differs")
			}
		}
		assert.Positive(t, retried)
	})

	t.Run("a 502 that outlasts the retries", func(t *testing.T) {
		t.Parallel()
		srv := integrationstest.NewServer()
		t.Cleanup(srv.Close)
		id := srv.AddProject("acme/web")
		c, err := srv.NewClient(integrations.WithRetries(2, time.Millisecond, 10*time.Millisecond))
		require.NoError(t, err)
		srv.FailNext(3, http.StatusBadGateway)
		_, err = c.Jira.Get(ctx, integrations.ProjectID(id))
		var gerr *integrations.Error
		require.True(t, errors.As(err, &gerr), "%v", err)
		assert.Equal(t, http.StatusBadGateway, gerr.StatusCode)
		assert.Contains(t, string(gerr.Body), "502 Bad Gateway", "the proxy's page is kept")
		assert.Len(t, srv.Requests(), 3)
	})

	t.Run("a 500 is not retried", func(t *testing.T) {
		t.Parallel()
		srv := integrationstest.NewServer()
		t.Cleanup(srv.Close)
		id := srv.AddProject("acme/web")
		c, err := srv.NewClient(integrations.WithRetries(3, time.Millisecond, 10*time.Millisecond))
		require.NoError(t, err)
		srv.FailNext(1, http.StatusInternalServerError)
		_, err = c.Jira.Get(ctx, integrations.ProjectID(id))
		var gerr *integrations.Error
		require.True(t, errors.As(err, &gerr), "%v", err)
		assert.Equal(t, http.StatusInternalServerError, gerr.StatusCode)
		assert.Len(t, srv.Requests(), 1)
	})

	t.Run("a slow GitLab and a deadline", func(t *testing.T) {
		t.Parallel()
		srv := integrationstest.NewServer(integrationstest.WithLatency(time.Minute))
		t.Cleanup(srv.Close)
		id := srv.AddProject("acme/web")
		c, err := srv.NewClient()
		require.NoError(t, err)
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err = c.Slack.Get(short, integrations.ProjectID(id))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}
