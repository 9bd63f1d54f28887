package integrations

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endlessPages is a hostile GitLab whose every page names a next one: page
// answers each request (the page number it asks for, 1 when none, and the
// request's count) with the body and the headers to send.
func endlessPages(t *testing.T, page func(w http.ResponseWriter, r *http.Request, n, count int) string) (*Client, *atomic.Int64) {
	t.Helper()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count := int(requests.Add(1))
		n, err := strconv.Atoi(r.URL.Query().Get("page"))
		if err != nil || n < 1 {
			n = 1
		}
		w.Header().Set("Content-Type", "application/json")
		body := page(w, r, n, count)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithoutRetries())
	require.NoError(t, err)
	return c, &requests
}

// oneEntry is a page of one project (or group) whose ID is id.
func oneEntry(id int) string {
	return fmt.Sprintf(`[{"id":%d,"path_with_namespace":"g/p%d","full_path":"g/s%d"}]`, id, id, id)
}

// drain runs a listing to its end (or its first error) under a deadline
// that only a listing that never ends reaches, and returns how many entries
// it yielded and its error.
func drain[T any](t *testing.T, list func(ctx context.Context) func(func(*T, error) bool)) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := 0
	for _, err := range list(ctx) {
		if err != nil {
			require.NoError(t, ctx.Err(), "the listing ran until the test's deadline")
			return got, err
		}
		got++
	}
	require.NoError(t, ctx.Err(), "the listing ran until the test's deadline")
	return got, nil
}

// listers are Projects and Subgroups over the same hostile server, with
// options.
func listers(c *Client, opts ...ProjectsOption) map[string]func(t *testing.T) (int, error) {
	return map[string]func(t *testing.T) (int, error){
		"Projects": func(t *testing.T) (int, error) {
			return drain(t, func(ctx context.Context) func(func(*ProjectInfo, error) bool) {
				return c.Projects(ctx, Group("g"), opts...)
			})
		},
		"Subgroups": func(t *testing.T) (int, error) {
			return drain(t, func(ctx context.Context) func(func(*GroupInfo, error) bool) {
				return c.Subgroups(ctx, Group("g"), opts...)
			})
		},
	}
}

// TestPaginationStopsAtAnEmptyPage: a server answering [] with X-Next-Page
// n+1 (and a Link to it) got 42,192 page requests in 5 s before the fix,
// and never stopped; an empty page is now the last.
func TestPaginationStopsAtAnEmptyPage(t *testing.T) {
	t.Parallel()
	for name := range listers(nil) {
		c, requests := endlessPages(t, func(w http.ResponseWriter, r *http.Request, n, _ int) string {
			w.Header().Set("X-Next-Page", strconv.Itoa(n+1))
			w.Header().Set("X-Total-Pages", "1000000")
			w.Header().Set("Link", fmt.Sprintf("<http://%s%s?page=%d>; rel=\"next\"", r.Host, r.URL.Path, n+1))
			return `[]`
		})
		got, err := listers(c)[name](t)
		require.NoError(t, err, name)
		assert.Zero(t, got, name)
		assert.EqualValues(t, 1, requests.Load(), "%s: one page request, the empty one", name)
	}
}

// TestPaginationRefusesAPageThatDoesNotAdvance: a next page must come after
// the current one, by X-Next-Page or by a Link's page number, and a keyset
// link must not name a page already read. Each is an error matching
// ErrInvalidResponse after the page that named it.
func TestPaginationRefusesAPageThatDoesNotAdvance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		page func(w http.ResponseWriter, r *http.Request, n, count int)
		want string
	}{
		{"X-Next-Page the same page", func(w http.ResponseWriter, _ *http.Request, n, _ int) {
			w.Header().Set("X-Next-Page", strconv.Itoa(max(n, 2)))
		}, "must come after it"},
		{"X-Next-Page an earlier page", func(w http.ResponseWriter, _ *http.Request, n, count int) {
			w.Header().Set("X-Next-Page", strconv.Itoa([]int{2, 3, 1}[min(count, 3)-1]))
		}, "must come after it"},
		{"a Link to the same page number", func(w http.ResponseWriter, r *http.Request, n, count int) {
			w.Header().Set("Link", fmt.Sprintf("<http://%s%s?page=%d&n=%d>; rel=\"next\"", r.Host, r.URL.Path, max(n, 2), count))
		}, "must come after it"},
		{"a keyset Link read before", func(w http.ResponseWriter, r *http.Request, _, count int) {
			w.Header().Set("Link", fmt.Sprintf("<http://%s%s?id_after=%d>; rel=\"next\"", r.Host, r.URL.Path, count%3))
		}, "a page already read"},
	} {
		for name := range listers(nil) {
			c, requests := endlessPages(t, func(w http.ResponseWriter, r *http.Request, n, count int) string {
				tc.page(w, r, n, count)
				return oneEntry(count)
			})
			got, err := listers(c)[name](t)
			require.ErrorIs(t, err, ErrInvalidResponse, "%s, %s", tc.name, name)
			assert.Contains(t, err.Error(), tc.want, "%s, %s", tc.name, name)
			assert.LessOrEqual(t, requests.Load(), int64(4), "%s, %s", tc.name, name)
			assert.EqualValues(t, requests.Load(), got, "%s, %s: every page read was yielded", tc.name, name)
		}
	}
}

// TestPaginationBoundedByTotalPages: a server that says X-Total-Pages: 3
// and names a fourth page got 50,968 requests in 5 s before the fix; now
// the listing yields the three pages and fails, matching
// ErrInvalidResponse, without requesting a fourth.
func TestPaginationBoundedByTotalPages(t *testing.T) {
	t.Parallel()
	for name := range listers(nil) {
		c, requests := endlessPages(t, func(w http.ResponseWriter, _ *http.Request, n, count int) string {
			w.Header().Set("X-Total-Pages", "3")
			w.Header().Set("X-Next-Page", strconv.Itoa(n+1))
			return oneEntry(count)
		})
		got, err := listers(c)[name](t)
		require.ErrorIs(t, err, ErrInvalidResponse, name)
		assert.Contains(t, err.Error(), "X-Total-Pages says there are 3", name)
		assert.Equal(t, 3, got, name)
		assert.EqualValues(t, 3, requests.Load(), name)
	}
}

// TestPaginationCeiling: without X-Total-Pages, a listing reads at most
// maxPages pages (lowered here to 40, so that the test is quick), by page
// numbers or by keyset links; a keyset server with an endless cursor got
// 40,412 requests in 5 s before the fix.
func TestPaginationCeiling(t *testing.T) {
	t.Parallel()
	require.Equal(t, 100_000, maxPages, "the documented ceiling (README, SECURITY.md)")
	const ceiling = 40
	lower := func(c *projectsConfig) { c.maxPages = ceiling }
	for _, tc := range []struct {
		name string
		page func(w http.ResponseWriter, r *http.Request, n, count int)
	}{
		{"X-Next-Page", func(w http.ResponseWriter, _ *http.Request, n, _ int) {
			w.Header().Set("X-Next-Page", strconv.Itoa(n+1))
		}},
		{"keyset Link", func(w http.ResponseWriter, r *http.Request, _, count int) {
			w.Header().Set("Link", fmt.Sprintf("<http://%s%s?id_after=%d>; rel=\"next\"", r.Host, r.URL.Path, count))
		}},
	} {
		for name := range listers(nil) {
			c, requests := endlessPages(t, func(w http.ResponseWriter, r *http.Request, n, count int) string {
				tc.page(w, r, n, count)
				return oneEntry(count)
			})
			got, err := listers(c, lower)[name](t)
			require.ErrorIs(t, err, ErrInvalidResponse, "%s, %s", tc.name, name)
			assert.Contains(t, err.Error(), "after 40 pages, the most the SDK reads of one listing", "%s, %s", tc.name, name)
			assert.Equal(t, ceiling, got, "%s, %s", tc.name, name)
			assert.EqualValues(t, ceiling, requests.Load(), "%s, %s", tc.name, name)
		}
	}
}
