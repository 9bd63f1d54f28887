package integrations

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// crossCheckServer answers as GitLab would, and checks that every request
// carries exactly what the call that made it set: the X-Call header, the
// Sudo user and (for PUT) the channel all name the project ID in the path.
// Every 5th project answers 503 to its first request, so that retries run
// concurrently too; every 11th does not have the integration (404).
type crossCheckServer struct {
	*httptest.Server
	mismatches atomic.Int64
	first      sync.Map // project ID -> struct{}: first request seen
	mu         sync.Mutex
	problems   []string
}

func newCrossCheckServer(t *testing.T) *crossCheckServer {
	s := &crossCheckServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *crossCheckServer) fail(format string, args ...any) {
	s.mismatches.Add(1)
	s.mu.Lock()
	if len(s.problems) < 10 {
		s.problems = append(s.problems, fmt.Sprintf(format, args...))
	}
	s.mu.Unlock()
}

func (s *crossCheckServer) serve(w http.ResponseWriter, r *http.Request) {
	// /api/v4/projects/<id>/integrations/<slug>
	parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/api/v4/"), "/")
	if len(parts) != 4 {
		s.fail("path %s", r.URL.EscapedPath())
		w.WriteHeader(http.StatusNotFound)
		return
	}
	id, slug := parts[1], parts[3]
	if got := r.Header.Get("X-Call"); got != id {
		s.fail("%s %s: X-Call %q", r.Method, r.URL.Path, got)
	}
	if got := r.Header.Get("Sudo"); got != "user-"+id {
		s.fail("%s %s: Sudo %q", r.Method, r.URL.Path, got)
	}
	if got := r.Header.Get("PRIVATE-TOKEN"); got != relToken {
		s.fail("%s %s: token %q", r.Method, r.URL.Path, got)
	}
	body, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPut && slug == "slack" {
		var sent map[string]any
		if err := json.Unmarshal(body, &sent); err != nil || sent["channel"] != "#c"+id {
			s.fail("PUT %s: body %s", r.URL.Path, body)
		}
	}
	n, _ := strconv.Atoi(id)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("RateLimit-Limit", "100000")
	w.Header().Set("RateLimit-Remaining", "99000")
	w.Header().Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
	if _, seen := s.first.LoadOrStore(id, struct{}{}); !seen && n%5 == 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if n%11 == 0 {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"404 Integration Not Found"}`)
		return
	}
	if r.Method == http.MethodDelete {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	fmt.Fprintf(w, `{"id":%s,"slug":%q,"title":"call-%s","active":true,"properties":{"channel":"#c%s"}}`, id, slug, id, id)
}

// TestOneClientManyGoroutines shares one Client, with both rate limiters
// on, between 32 goroutines that Set, Get, List-less Delete and read the raw
// response of their own projects, each with its own headers and Sudo user.
// Run under -race: no data race, and no call sees another's headers, body
// or answer.
func TestOneClientManyGoroutines(t *testing.T) {
	t.Parallel()
	srv := newCrossCheckServer(t)
	var log relLog
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithRetries(2, 0, 0),
		WithRateLimit(1e6, 1000), WithAdaptiveRateLimit(), WithLogger(log.logger()))
	require.NoError(t, err)
	shared := WithRequestHeader("X-Shared", "same for all") // one option value used by every goroutine

	const goroutines, perGoroutine = 32, 12
	var wg sync.WaitGroup
	var clientProblems atomic.Int64
	var notFound atomic.Int64
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perGoroutine {
				id := g*perGoroutine + i + 1
				ids := strconv.Itoa(id)
				ctx := context.Background()
				opts := []RequestOption{WithRequestHeader("X-Call", ids), WithSudo("user-" + ids), shared}
				scope := ProjectID(int64(id))
				var resp *http.Response
				var got *Settings[SlackProperties]
				var err error
				switch i % 3 {
				case 0:
					got, err = c.Slack.Set(ctx, scope, &SlackOptions{Webhook: "https://hooks.slack.com/" + ids, Channel: Ptr("#c" + ids)},
						append(opts, WithResponseInto(&resp))...)
				case 1:
					got, err = c.Slack.Get(ctx, scope, append(opts, WithResponseInto(&resp))...)
				default:
					err = c.Slack.Delete(ctx, scope, opts...)
				}
				if id%11 == 0 {
					if !assert.ErrorIs(t, err, ErrIntegrationNotFound, "project %d", id) {
						clientProblems.Add(1)
					}
					notFound.Add(1)
					continue
				}
				if !assert.NoError(t, err, "project %d", id) {
					clientProblems.Add(1)
					continue
				}
				if got != nil && (got.Title != "call-"+ids || got.Properties.Channel != "#c"+ids) {
					t.Errorf("project %d got another call's answer: %+v", id, got)
					clientProblems.Add(1)
				}
				if resp != nil && !strings.HasSuffix(resp.Request.URL.EscapedPath(), "/projects/"+ids+"/integrations/slack") {
					t.Errorf("project %d got another call's response: %s", id, resp.Request.URL)
					clientProblems.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	srv.mu.Lock()
	problems := srv.problems
	srv.mu.Unlock()
	assert.Zero(t, srv.mismatches.Load(), "requests carried another call's data: %v", problems)
	assert.Zero(t, clientProblems.Load())
	assert.Positive(t, notFound.Load())
	assert.Contains(t, log.String(), "gitlab retry", "retries ran concurrently")
	requireNoToken(t, log.String(), "the log")
}

// TestConcurrentClientsAreIndependent: two Clients with different tokens
// and options used at once never mix their tokens or settings.
func TestConcurrentClientsAreIndependent(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]map[string]bool{} // User-Agent -> tokens
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ua := r.Header.Get("User-Agent")
		if seen[ua] == nil {
			seen[ua] = map[string]bool{}
		}
		seen[ua][r.Header.Get("PRIVATE-TOKEN")+r.Header.Get("JOB-TOKEN")] = true
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, relSlackAnswer)
	}))
	t.Cleanup(srv.Close)
	a, err := NewClient("token-a", WithBaseURL(srv.URL), WithUserAgent("agent-a"))
	require.NoError(t, err)
	b, err := NewClient("token-b", WithBaseURL(srv.URL), WithUserAgent("agent-b"), WithTokenType(JobToken))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := a
			if i%2 == 1 {
				c = b
			}
			for range 10 {
				_, err := c.Slack.Get(context.Background(), ProjectID(int64(i+1)))
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[string]map[string]bool{"agent-a": {"token-a": true}, "agent-b": {"token-b": true}}, seen)
}
