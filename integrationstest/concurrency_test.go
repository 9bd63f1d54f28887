package integrationstest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
)

// TestConcurrentClients runs 16 goroutines that each add a project and set,
// read, list and disable integrations on it and on one shared project,
// while another goroutine reads the request log. Run with -race.
func TestConcurrentClients(t *testing.T) {
	srv := newServer(t)
	srv.AddProject("acme/shared")
	c := newClient(t, srv)
	ctx := context.Background()

	const workers, rounds = 16, 10
	errs := make(chan error, workers*rounds)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_ = srv.Requests()
			}
		}
	}()

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := integrations.ProjectID(srv.AddProject(fmt.Sprintf("acme/p%d", w)))
			for r := 0; r < rounds; r++ {
				channel := fmt.Sprintf("#w%d-r%d", w, r)
				if _, err := c.Slack.Set(ctx, own, &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T/B/X", Channel: &channel}); err != nil {
					errs <- err
					return
				}
				s, err := c.Slack.Get(ctx, own)
				if err != nil {
					errs <- err
					return
				}
				if s.Properties.Channel != channel {
					errs <- fmt.Errorf("worker %d read %q, want %q", w, s.Properties.Channel, channel)
				}
				if _, err := c.EmailsOnPush.Set(ctx, integrations.Project("acme/shared"), &integrations.EmailsOnPushOptions{Recipients: channel + "@example.com"}); err != nil {
					errs <- err
				}
				if _, err := c.List(ctx, integrations.Project("acme/shared")); err != nil {
					errs <- err
				}
			}
			if err := c.Slack.Delete(ctx, own); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}

	for w := 0; w < workers; w++ {
		s, err := c.Slack.Get(ctx, integrations.Project(fmt.Sprintf("acme/p%d", w)))
		require.NoError(t, err)
		assert.False(t, s.Active)
	}
	list, err := c.List(ctx, integrations.Project("acme/shared"))
	require.NoError(t, err)
	assert.Equal(t, []string{"emails-on-push"}, slugs(list))
	// 16 × (10 × 4 + 1) requests, plus the 17 above.
	assert.Len(t, srv.Requests(), workers*(rounds*4+1)+workers+1)
}
