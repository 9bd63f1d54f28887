package transport

import (
	"fmt"
	"net/http"
	"net/url"
)

// credentialHeaders carry the caller's identity: the token in any of its
// three forms, and the user a Sudo call acts as.
var credentialHeaders = [...]string{"PRIVATE-TOKEN", "JOB-TOKEN", "Authorization", "Sudo"}

// maxRedirects is how many redirects one attempt follows, as net/http does.
const maxRedirects = 10

// TokenSafeRedirects returns a redirect policy that removes the credential
// headers from a redirected request whose scheme or host differs from the
// configured one (an https to http downgrade included), then defers to next,
// the caller's own policy, or stops after maxRedirects.
//
// It refuses three redirects outright, with a *RedirectError: one that
// would change the method (a 301, 302 or 303 turns a PUT or DELETE into a
// GET, which would report success with nothing changed); one that takes a
// call that changes something (PUT, POST, DELETE, PATCH) to another scheme
// or host than the configured GitLab, whatever the status (the other host
// would get the call without the token, and its answer would not be the
// change made on GitLab: a Delete redirected 307 there once reported
// success); and one that would send a request body (a Set's settings,
// secrets included) to another scheme or host.
//
// Here the SDK deliberately differs from http.Client, which follows all of
// them; a GET or HEAD is still followed anywhere, without the token.
func TokenSafeRedirects(scheme, host string, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		elsewhere := req.URL.Scheme != scheme || req.URL.Host != host
		if len(via) > 0 {
			first, method := via[0], methodOf(via[0])
			switch {
			case methodOf(req) != method:
				return newRedirectError(req, method, fmt.Sprintf("following it would turn the %s into a %s, which changes nothing on GitLab", method, methodOf(req)))
			case elsewhere && changesSomething(method):
				return newRedirectError(req, method, fmt.Sprintf(
					"following it would send the %s to %s, not the configured GitLab (%s), and what %s answered would not be the change made on GitLab",
					method, req.URL.Host, host, req.URL.Host))
			case elsewhere && first.ContentLength != 0:
				return newRedirectError(req, method, "following it would send the request's body, with any secret in it, to another host than the configured GitLab")
			}
		}
		if elsewhere {
			for _, k := range credentialHeaders {
				req.Header.Del(k)
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return newRedirectError(req, methodOf(via[0]), "stopped after 10 redirects (a redirect loop?)")
		}
		return nil
	}
}

// changesSomething reports whether a request with method may change
// something on the server: anything but GET, HEAD and OPTIONS.
func changesSomething(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// methodOf is req's method; "" means GET.
func methodOf(req *http.Request) string {
	if req.Method == "" {
		return http.MethodGet
	}
	return req.Method
}

// RedirectError is a redirect the SDK will not follow. It is never
// retried: the same request would be redirected the same way.
type RedirectError struct {
	status   int
	method   string
	location string // the redirect's target, without credentials
	suggest  string // a base URL to use instead
	why      string
}

func newRedirectError(req *http.Request, method, why string) *RedirectError {
	e := &RedirectError{method: method, location: req.URL.Redacted(), why: why,
		suggest: (&url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host}).String()}
	if req.Response != nil {
		e.status = req.Response.StatusCode
	}
	return e
}

// Error says which redirect was refused, why, and which base URL to use.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("the %s was answered %d %s with Location %s; %s, so the SDK does not follow it: "+
		"set the base URL (WithBaseURL) to where GitLab answers without a redirect (%s?)",
		e.method, e.status, http.StatusText(e.status), e.location, e.why, e.suggest)
}

// WithoutCredentials returns resp for the caller (WithResponseInto) with
// copies of the requests reachable from it (its request, and through the
// redirect responses every request before it) whose headers lack the token
// and whose bodies are gone: the *http.Response handed out must not be a
// way to read the token, or a Set's secrets, back.
func WithoutCredentials(resp *http.Response) *http.Response {
	if resp == nil {
		return nil
	}
	out := *resp
	if resp.Request != nil {
		out.Request = requestWithoutCredentials(resp.Request, maxRedirects+1)
	}
	return &out
}

// requestWithoutCredentials copies r as WithoutCredentials needs, following
// at most depth redirect responses back.
func requestWithoutCredentials(r *http.Request, depth int) *http.Request {
	req := *r
	req.Header = r.Header.Clone()
	for _, k := range credentialHeaders[:3] {
		req.Header.Del(k)
	}
	req.Body, req.GetBody = http.NoBody, nil
	req.Response = nil
	if r.Response != nil && depth > 0 {
		prev := *r.Response
		prev.Body = http.NoBody
		if prev.Request != nil {
			prev.Request = requestWithoutCredentials(prev.Request, depth-1)
		}
		req.Response = &prev
	}
	return &req
}
