package integrationstest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// perPage reads per_page as GitLab does: 20 when absent or not a positive
// number, at most 100.
func perPage(q url.Values) int {
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		return min(n, 100)
	}
	return 20
}

// pageLink is one entry of a Link header: the request's own URL and query,
// changed by mod, with its rel.
func pageLink(r *http.Request, q url.Values, rel string, mod func(url.Values)) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	mod(v)
	return "<http://" + r.Host + r.URL.EscapedPath() + "?" + v.Encode() + `>; rel="` + rel + `"`
}

// offsetPage answers GitLab's offset pagination of total items: it writes
// X-Total, X-Total-Pages, X-Per-Page, X-Page, X-Next-Page, X-Prev-Page
// and Link (prev, next, first, last), and returns the bounds of the page
// asked for (empty past the last).
func offsetPage(w http.ResponseWriter, r *http.Request, q url.Values, total int) (from, to int) {
	per := perPage(q)
	pages := max(1, (total+per-1)/per)
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	from = min((page-1)*per, total)
	to = min(from+per, total)
	setPage := func(n int) func(url.Values) { return func(v url.Values) { v.Set("page", strconv.Itoa(n)) } }
	h := w.Header()
	h.Set("X-Total", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Next-Page", "")
	h.Set("X-Prev-Page", "")
	var links []string
	if page > 1 && page <= pages {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
		links = append(links, pageLink(r, q, "prev", setPage(page-1)))
	}
	if page < pages {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		links = append(links, pageLink(r, q, "next", setPage(page+1)))
	}
	links = append(links, pageLink(r, q, "first", setPage(1)), pageLink(r, q, "last", setPage(pages)))
	h.Set("Link", strings.Join(links, ", "))
	return from, to
}
