package integrations

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ProjectInfo is one project of a group, as Client.Projects reports it.
type ProjectInfo struct {
	// ID is the project's numeric ID.
	ID int64 `json:"id"`
	// Name is the project's name, such as "Web".
	Name string `json:"name"`
	// Path is the last segment of its path, such as "web".
	Path string `json:"path"`
	// PathWithNamespace is its full path, such as "acme/platform/web".
	PathWithNamespace string `json:"path_with_namespace"`
	// Archived is true for an archived project; Projects leaves them out
	// unless IncludeArchived is given.
	Archived bool `json:"archived"`
	// WebURL is the project's page on GitLab.
	WebURL string `json:"web_url"`
}

// Scope returns the project as a Scope for calls, named by its ID.
func (p *ProjectInfo) Scope() Scope {
	if p == nil {
		return Scope{}
	}
	return ProjectID(p.ID)
}

// GroupInfo is one group of a group tree, as Client.Subgroups reports it.
type GroupInfo struct {
	// ID is the group's numeric ID.
	ID int64 `json:"id"`
	// Name is the group's name.
	Name string `json:"name"`
	// Path is the last segment of its path.
	Path string `json:"path"`
	// FullPath is its full path, such as "acme/platform".
	FullPath string `json:"full_path"`
	// ParentID is the ID of the group above it; 0 for a top-level group.
	ParentID int64 `json:"parent_id"`
	// WebURL is the group's page on GitLab.
	WebURL string `json:"web_url"`
}

// Scope returns the group as a Scope for calls, named by its ID.
func (g *GroupInfo) Scope() Scope {
	if g == nil {
		return Scope{}
	}
	return GroupID(g.ID)
}

// ProjectsOption changes what Client.Projects and Client.Subgroups list.
type ProjectsOption func(*projectsConfig)

type projectsConfig struct {
	archived   bool
	noSubgroup bool
	perPage    int
	maxPages   int // maxPages; lower in tests
}

// IncludeArchived makes Projects list archived projects too.
func IncludeArchived() ProjectsOption { return func(c *projectsConfig) { c.archived = true } }

// WithoutSubgroups makes Projects list only the projects directly in the
// group, and Subgroups only the group's direct children.
func WithoutSubgroups() ProjectsOption { return func(c *projectsConfig) { c.noSubgroup = true } }

// WithPageSize sets how many entries each page request asks for (GitLab's
// per_page, 1 to 100; 100 by default).
func WithPageSize(n int) ProjectsOption { return func(c *projectsConfig) { c.perPage = n } }

// maxPageSize is the largest per_page GitLab honours.
const maxPageSize = 100

// Projects lists the projects of a group, those of its subgroups included
// (unless WithoutSubgroups), archived ones left out (unless
// IncludeArchived), in the order of their IDs. It follows every page, under
// the client's retries and rate limiter: keyset pagination where the server
// offers it for a group's projects, page numbers (X-Next-Page) where it does
// not. Iteration stops at the first error, which is yielded; when the
// caller stops iterating, no further page is requested.
//
// A next-page link that leaves the client's GitLab host or API path is
// never followed: the token goes only where the client was told to send it.
// A server cannot keep a listing going forever: an empty page is the last;
// a next page that does not move forward (X-Next-Page or a Link page number
// not above the current page, a keyset link already read), one past
// X-Total-Pages, or one past 100,000 pages when the server does not say how
// many there are, ends the listing with an error matching
// ErrInvalidResponse.
func (c *Client) Projects(ctx context.Context, group Scope, opts ...ProjectsOption) iter.Seq2[*ProjectInfo, error] {
	return func(yield func(*ProjectInfo, error) bool) {
		cfg, err := c.listConfig(ctx, "Projects", group, opts)
		if err != nil {
			yield(nil, err)
			return
		}
		q := url.Values{}
		q.Set("include_subgroups", strconv.FormatBool(!cfg.noSubgroup))
		if !cfg.archived {
			q.Set("archived", "false")
		}
		q.Set("order_by", "id")
		q.Set("sort", "asc")
		q.Set("per_page", strconv.Itoa(cfg.perPage))
		keyset := url.Values{}
		for k, v := range q {
			keyset[k] = v
		}
		keyset.Set("pagination", "keyset")
		first := c.endpoint(group, "/projects")
		first.RawQuery = keyset.Encode()
		fallback := c.endpoint(group, "/projects")
		fallback.RawQuery = q.Encode()
		for p, err := range paginate[ProjectInfo](ctx, c, first, fallback, cfg.maxPages) {
			if err != nil {
				yield(nil, err)
				return
			}
			if p.Archived && !cfg.archived {
				continue // a server that ignored archived=false
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

// Subgroups lists the groups below a group, at every depth (GitLab's
// descendant groups; only the direct children with WithoutSubgroups), in
// the order of their IDs. It follows every page as Projects does, under the
// client's retries and rate limiter, with the same bounds on the pages;
// iteration stops at the first error, which is yielded.
func (c *Client) Subgroups(ctx context.Context, group Scope, opts ...ProjectsOption) iter.Seq2[*GroupInfo, error] {
	return func(yield func(*GroupInfo, error) bool) {
		cfg, err := c.listConfig(ctx, "Subgroups", group, opts)
		if err != nil {
			yield(nil, err)
			return
		}
		rest := "/descendant_groups"
		if cfg.noSubgroup {
			rest = "/subgroups"
		}
		q := url.Values{}
		q.Set("order_by", "id")
		q.Set("sort", "asc")
		q.Set("per_page", strconv.Itoa(cfg.perPage))
		first := c.endpoint(group, rest)
		first.RawQuery = q.Encode()
		for g, err := range paginate[GroupInfo](ctx, c, first, nil, cfg.maxPages) {
			if !yield(g, err) || err != nil {
				return
			}
		}
	}
}

// listConfig checks the arguments of Projects and Subgroups before anything
// is sent and applies the options.
func (c *Client) listConfig(ctx context.Context, call string, group Scope, opts []ProjectsOption) (projectsConfig, error) {
	cfg := projectsConfig{perPage: maxPageSize, maxPages: maxPages}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	switch {
	case c.usable() != nil:
		return cfg, c.usable()
	case ctx == nil:
		return cfg, invalid("%s: nil context.Context (use context.Background())", call)
	case group == Scope{}:
		return cfg, invalid("%s: empty group reference (use Group(path) or GroupID(id))", call)
	case !group.IsGroup():
		return cfg, invalid("%s lists the contents of a group, not of %s (use Group(path) or GroupID(id))", call, group)
	case cfg.perPage < 1 || cfg.perPage > maxPageSize:
		return cfg, invalid("%s: page size %d is outside 1 to %d", call, cfg.perPage, maxPageSize)
	}
	if err := group.validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// maxPages bounds how many pages one listing reads when the server does
// not say how many there are (X-Total-Pages): 100,000 pages, 10 million
// entries at GitLab's largest page size, far more than any group holds. A
// server that names a next page forever gets an error, not an endless loop.
const maxPages = 100_000

// paginate requests first and every page after it, yielding each entry.
// When the server refuses first because it has no keyset pagination for
// the endpoint (GitLab answers 405), the listing starts again at
// fallback, with page numbers; fallback is nil when first does not ask for
// keyset pagination.
//
// A hostile or broken server cannot keep it going: an empty page ends the
// listing, a next page must move forward (a page number above the current
// one, a link not read before), and the pages are at most what
// X-Total-Pages says, or maxPages (limit) when it says nothing. Each of
// those is an error matching ErrInvalidResponse.
func paginate[T any](ctx context.Context, c *Client, first, fallback *url.URL, limit int) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		next := first
		// The pages requested, by a hash of their URL: 8 bytes a page,
		// not the URL, so that a long listing's memory stays small.
		seen := map[uint64]struct{}{}
		seed := maphash.MakeSeed()
		page := 0
		for next != nil {
			key := maphash.String(seed, next.String())
			if _, again := seen[key]; again {
				yield(nil, fmt.Errorf("%w: the next page of %s is a page already read: stopped", ErrInvalidResponse, first.Path))
				return
			}
			seen[key] = struct{}{}
			var resp *http.Response
			var entries []*T
			err := c.do(ctx, http.MethodGet, next, nil, &entries, []RequestOption{WithResponseInto(&resp)})
			if err != nil && page == 0 && fallback != nil && keysetRefused(err) {
				next, fallback = fallback, nil
				clear(seen)
				continue
			}
			if err != nil {
				yield(nil, err)
				return
			}
			page++
			for i, e := range entries {
				if e == nil {
					yield(nil, fmt.Errorf("integrations: GET %s: %w: entry %d of page %d is null", next.Path, ErrInvalidResponse, i, page))
					return
				}
			}
			for _, e := range entries {
				if !yield(e, nil) {
					return
				}
			}
			if resp == nil || len(entries) == 0 {
				return // an empty page is the last, whatever its headers say
			}
			cur := next
			if next, err = c.nextPage(cur, resp.Header); err != nil {
				yield(nil, err)
				return
			}
			if next != nil {
				if err := checkPageBound(first.Path, page, limit, resp.Header); err != nil {
					yield(nil, err)
					return
				}
			}
		}
	}
}

// checkPageBound is the error for a next page past the last one there can
// be, after page pages were read: past X-Total-Pages when the server sent
// it, past limit otherwise.
func checkPageBound(path string, page, limit int, h http.Header) error {
	if tp := strings.TrimSpace(h.Get("X-Total-Pages")); tp != "" {
		if total, err := strconv.Atoi(tp); err == nil && total >= 0 && page >= total {
			return fmt.Errorf("%w: page %d of %s names a next page, but X-Total-Pages says there are %d: stopped", ErrInvalidResponse, page, path, total)
		}
	}
	if page >= limit {
		return fmt.Errorf("%w: %s still names a next page after %d pages, the most the SDK reads of one listing: stopped", ErrInvalidResponse, path, limit)
	}
	return nil
}

// keysetRefused reports whether GitLab refused a keyset pagination request
// for an endpoint that does not offer it: 405 "Keyset pagination is not yet
// available for this type of request".
func keysetRefused(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.StatusCode == http.StatusMethodNotAllowed
}

// nextPage returns the URL of the page after cur, nil after the last one.
// It prefers the Link header's rel="next" (the only way on with keyset
// pagination), and uses X-Next-Page when there is no usable link. A link
// that leaves the client's API (another scheme, host or path) is not
// followed; when it is the only way on, nextPage fails rather than send
// the token elsewhere or silently stop early.
func (c *Client) nextPage(cur *url.URL, h http.Header) (*url.URL, error) {
	link, found := nextLink(h)
	var linkErr error
	if found {
		u, err := c.sameEndpoint(cur, link)
		if err == nil && u.Query().Has("page") && currentPage(u) <= currentPage(cur) {
			err = fmt.Errorf("%w: page %d of %s links page %s as the next: a next page must come after it: stopped",
				ErrInvalidResponse, currentPage(cur), cur.Path, u.Query().Get("page"))
		}
		if err == nil {
			return u, nil
		}
		linkErr = err
	}
	if np := strings.TrimSpace(h.Get("X-Next-Page")); np != "" {
		n, err := strconv.Atoi(np)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%w: X-Next-Page %q is not a page number", ErrInvalidResponse, np)
		}
		if at := currentPage(cur); n <= at {
			return nil, fmt.Errorf("%w: page %d of %s names page %d as the next (X-Next-Page): a next page must come after it: stopped", ErrInvalidResponse, at, cur.Path, n)
		}
		u := *cur
		q := u.Query()
		q.Del("pagination")
		q.Set("page", strconv.Itoa(n))
		u.RawQuery = q.Encode()
		return &u, nil
	}
	return nil, linkErr
}

// currentPage is the page number u asks for: its page parameter, 1 when it
// has none (the first page, or a keyset page).
func currentPage(u *url.URL) int {
	if n, err := strconv.Atoi(u.Query().Get("page")); err == nil && n > 1 {
		return n
	}
	return 1
}

// sameEndpoint parses a next-page link and accepts it only when it stays
// on the endpoint being listed: the base URL's scheme and host, and the
// path of the current request.
func (c *Client) sameEndpoint(cur *url.URL, link string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed next-page link: %w", ErrInvalidResponse, err)
	}
	if u.Scheme != c.baseURL.Scheme || !strings.EqualFold(u.Host, c.baseURL.Host) || u.User != nil ||
		(!strings.EqualFold(u.EscapedPath(), cur.EscapedPath()) && u.Path != cur.Path) || u.Fragment != "" {
		return nil, fmt.Errorf("%w: the next-page link leaves %s%s (to %s://%s%s): not followed, so the token stays with the configured GitLab",
			ErrInvalidResponse, c.baseURL.Host, cur.Path, u.Scheme, u.Host, u.Path)
	}
	return u, nil
}

// nextLink finds the URL of rel="next" in Link headers such as
// `<https://gitlab.example.com/api/v4/…&page=2>; rel="next", <…>; rel="last"`.
func nextLink(h http.Header) (string, bool) {
	for _, line := range h.Values("Link") {
		for _, part := range strings.Split(line, ",") {
			target, params, ok := strings.Cut(part, ";")
			if !ok {
				continue
			}
			target = strings.TrimSpace(target)
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range strings.Split(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && strings.EqualFold(strings.Trim(v, `"`), "next") {
					return target[1 : len(target)-1], true
				}
			}
		}
	}
	return "", false
}
