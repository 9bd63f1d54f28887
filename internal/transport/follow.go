package transport

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Send sends one attempt as hc.Do(req) would. For a client with neither
// a cookie jar nor a Timeout (the SDK's own, and most a caller passes with
// WithHTTPClient), it sends through hc's transport and follows redirects
// itself, with hc's redirect policy, exactly as http.Client does: Do would
// also copy every request's headers up front in case a redirect comes,
// three allocations and a map copy a call that almost never needs them.
// A client with a jar or a Timeout is left to Do, which owns those.
func Send(hc *http.Client, req *http.Request) (*http.Response, error) {
	if hc.Jar != nil || hc.Timeout != 0 {
		return hc.Do(req)
	}
	return follow(hc, req)
}

// maxRedirectDrain is how much of a redirect's body is read before it is
// closed (http.Client's figure), so that its connection can serve the next
// hop. Behind answerReader the body is read already.
const maxRedirectDrain = 2 << 10

// follow is http.Client.do for a client without jar or timeout: the same
// requests for each hop (method, body, headers, Referer, Host), the same
// policy call, the same *url.Error values.
func follow(hc *http.Client, first *http.Request) (*http.Response, error) {
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	var (
		req            = first
		resp           *http.Response
		via            []*http.Request
		redirectMethod string
		includeBody    = true
		stripSensitive = false
		firstHeader    http.Header // first's headers as they were sent, copied at the first redirect
	)
	fail := func(err error) error {
		CloseBody(req)
		u := req.URL
		if resp != nil && resp.Request != nil {
			u = resp.Request.URL
		}
		return &url.Error{Op: urlErrorOp(first.Method), URL: stripPassword(u), Err: err}
	}
	if first.URL == nil {
		CloseBody(first)
		return nil, &url.Error{Op: urlErrorOp(first.Method), Err: errors.New("http: nil Request.URL")}
	}
	for {
		if resp != nil { // the last hop was answered with a redirect
			if via == nil {
				// The requests so far, for the policy: kept only once
				// there is a redirect, so a call without costs nothing.
				via = []*http.Request{first}
			}
			loc := resp.Header.Get("Location")
			if loc == "" {
				return resp, nil // a 3xx without Location is an answer
			}
			u, err := req.URL.Parse(loc)
			if err != nil {
				_ = resp.Body.Close()
				return nil, fail(fmt.Errorf("failed to parse Location header %q: %v", loc, err))
			}
			host := ""
			if req.Host != "" && req.Host != req.URL.Host {
				// A custom Host survives a relative redirect.
				if lu, _ := url.Parse(loc); lu != nil && !lu.IsAbs() {
					host = req.Host
				}
			}
			if firstHeader == nil {
				firstHeader = first.Header.Clone()
				if firstHeader == nil {
					firstHeader = http.Header{}
				}
			}
			next := (&http.Request{
				Method:   redirectMethod,
				Response: resp,
				URL:      u,
				Header:   make(http.Header),
				Host:     host,
			}).WithContext(first.Context())
			if includeBody && first.GetBody != nil {
				if next.Body, err = first.GetBody(); err != nil {
					_ = resp.Body.Close()
					return nil, fail(err)
				}
				next.GetBody, next.ContentLength = first.GetBody, first.ContentLength
			}
			if !stripSensitive && first.URL.Host != next.URL.Host && !sameDomainOrSubdomain(next.URL, first.URL) {
				stripSensitive = true
			}
			copyRedirectHeaders(next.Header, firstHeader, stripSensitive, !includeBody)
			if ref := referer(via[len(via)-1].URL, next.URL, next.Header.Get("Referer")); ref != "" {
				next.Header.Set("Referer", ref)
			}
			req = next
			err = nil
			if hc.CheckRedirect != nil {
				err = hc.CheckRedirect(req, via)
			} else if len(via) >= maxRedirects {
				err = errors.New("stopped after 10 redirects")
			}
			if err == http.ErrUseLastResponse { // compared, not matched, as http.Client does
				return resp, nil // the redirect itself, its body open
			}
			if resp.ContentLength == -1 || resp.ContentLength <= maxRedirectDrain {
				_, _ = io.CopyN(io.Discard, resp.Body, maxRedirectDrain)
			}
			_ = resp.Body.Close()
			if err != nil {
				// http.Client returns the redirect and the error, the body closed.
				ue := fail(err).(*url.Error)
				ue.URL = loc
				return resp, ue
			}
		}
		if via != nil {
			via = append(via, req)
		}
		var err error
		if resp, err = roundTripOnce(rt, req); err != nil {
			// The transport closed the body.
			return nil, &url.Error{Op: urlErrorOp(first.Method), URL: stripPassword(req.URL), Err: err}
		}
		var redirect, bodyOnHop bool
		redirectMethod, redirect, bodyOnHop = redirectBehavior(req.Method, resp, first)
		if !redirect {
			return resp, nil
		}
		if !bodyOnHop {
			includeBody = false // once a hop drops the body, no later hop sends it
		}
		CloseBody(req)
	}
}

// roundTripOnce is one hop, as http.Client's send makes it: the transport
// closes the body; a nil answer and a TLS answer to plain HTTP are errors.
func roundTripOnce(rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	if req.RequestURI != "" {
		CloseBody(req)
		return nil, errors.New("http: Request.RequestURI can't be set in client requests")
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		var tlsErr tls.RecordHeaderError
		if errors.As(err, &tlsErr) && string(tlsErr.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch
		}
		return nil, err
	}
	if resp == nil {
		return nil, fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", rt)
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	return resp, nil
}

// redirectBehavior is http.Client's: which answers are redirects, with what
// method the next hop goes, and whether it carries the body.
func redirectBehavior(method string, resp *http.Response, first *http.Request) (next string, redirect, includeBody bool) {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		next, redirect = method, true
		if method != http.MethodGet && method != http.MethodHead {
			next = http.MethodGet
		}
	case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		next, redirect, includeBody = method, true, true
		if first.GetBody == nil && outgoingLength(first) != 0 {
			redirect = false // the body cannot be sent again: the answer is the redirect
		}
	}
	return next, redirect, includeBody
}

// outgoingLength is the length of req's body: -1 unknown, 0 none.
func outgoingLength(req *http.Request) int64 {
	if req.Body == nil || req.Body == http.NoBody {
		return 0
	}
	if req.ContentLength != 0 {
		return req.ContentLength
	}
	return -1
}

// copyRedirectHeaders copies the first request's headers into a redirect's,
// leaving out the credentials http.Client leaves out for another domain and,
// once the body is dropped, the headers that describe it.
func copyRedirectHeaders(dst, first http.Header, stripSensitive, stripBody bool) {
	for k, vv := range first {
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Www-Authenticate", "Cookie", "Cookie2", "Proxy-Authorization", "Proxy-Authenticate":
			if stripSensitive {
				continue
			}
		case "Content-Encoding", "Content-Language", "Content-Location", "Content-Type":
			if stripBody {
				continue
			}
		}
		dst[k] = vv
	}
}

// sameDomainOrSubdomain reports whether dest's host is initial's or one of
// its subdomains, where http.Client keeps the credential headers.
func sameDomainOrSubdomain(dest, initial *url.URL) bool {
	sub, parent := strings.ToLower(dest.Hostname()), strings.ToLower(initial.Hostname())
	if sub == parent {
		return true
	}
	if strings.ContainsAny(sub, ":%") || !strings.HasSuffix(sub, parent) {
		return false
	}
	return sub[len(sub)-len(parent)-1] == '.'
}

// referer is the Referer http.Client sets on a redirect: the last URL
// without its user, none from https to http, the caller's own if set.
func referer(last, next *url.URL, explicit string) string {
	if last.Scheme == "https" && next.Scheme == "http" {
		return ""
	}
	if explicit != "" {
		return explicit
	}
	ref := last.String()
	if last.User != nil {
		ref = strings.Replace(ref, last.User.String()+"@", "", 1)
	}
	return ref
}

// urlErrorOp is http.Client's Op for a method: "Get", "Put", "Delete".
func urlErrorOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// stripPassword is a URL as http.Client prints it in errors.
func stripPassword(u *url.URL) string {
	if _, set := u.User.Password(); set {
		return strings.Replace(u.String(), u.User.String()+"@", u.User.Username()+":***@", 1)
	}
	return u.String()
}

// CloseBody closes the body of a request that will not be sent, as a
// RoundTripper must.
func CloseBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
