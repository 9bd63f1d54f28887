package integrations

import (
	"errors"
	"net/http"
	"time"
)

// newHTTPClient returns the HTTP client requests go through: the caller's,
// copied, or one with a connection pool sized for many goroutines. Either
// way its redirect policy drops the token when a redirect leaves the
// configured scheme and host: Go's client forwards custom headers such as
// PRIVATE-TOKEN to wherever a redirect points.
func (c *core) newHTTPClient() *http.Client {
	var hc http.Client
	if c.httpClient != nil {
		hc = *c.httpClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// The default keeps 2 idle connections a host, so a script on 32
		// goroutines would open and close connections all the time.
		t.MaxIdleConnsPerHost = 64
		hc = http.Client{Transport: t, Timeout: 2 * time.Minute}
	}
	next := hc.CheckRedirect
	scheme, host := c.baseURL.Scheme, c.baseURL.Host
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != scheme || req.URL.Host != host {
			for _, k := range []string{"PRIVATE-TOKEN", "JOB-TOKEN", "Authorization", "Sudo"} {
				req.Header.Del(k)
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &hc
}
