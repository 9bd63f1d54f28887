package integrations

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// Sentinel errors, matched with errors.Is. An *Error returned for an answer
// from GitLab matches every sentinel that applies: a 404 for an integration
// that was never set up matches both ErrIntegrationNotFound and ErrNotFound.
var (
	// ErrNotFound matches every 404 answer.
	ErrNotFound = errors.New("not found")
	// ErrIntegrationNotFound matches a 404 saying the integration was never
	// set up on that project or group ("404 Integration Not Found", or
	// "404 Service Not Found" on older servers).
	ErrIntegrationNotFound = errors.New("integration not found")
	// ErrProjectNotFound matches a 404 saying the project does not exist or
	// the token cannot see it.
	ErrProjectNotFound = errors.New("project not found")
	// ErrGroupNotFound matches a 404 saying the group does not exist or the
	// token cannot see it.
	ErrGroupNotFound = errors.New("group not found")
	// ErrUnauthorized matches a 401: the token is missing, wrong or expired.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden matches a 403: the token's user may not administer
	// integrations there (GitLab requires the Maintainer role).
	ErrForbidden = errors.New("forbidden")
	// ErrRateLimited matches a 429 that was still answered after every retry.
	ErrRateLimited = errors.New("rate limited")
	// ErrValidation matches every error found before a request is sent:
	// invalid options, a nil options struct, an empty or malformed project or
	// group reference, an integration not available at that level. When an
	// error matches it, nothing reached GitLab.
	ErrValidation = errors.New("invalid request")
	// ErrInvalidResponse matches a 2xx answer the SDK could not use: not
	// JSON (an HTML page from a proxy), truncated, too large, or not the
	// shape the endpoint returns.
	ErrInvalidResponse = errors.New("invalid response")
)

// Error is a non-2xx answer from GitLab. It never holds the token: the URL
// is the request's, which carries none, and no request header is kept.
type Error struct {
	// StatusCode is the HTTP status, such as 404.
	StatusCode int
	// Method and URL are those of the request GitLab answered.
	Method string
	URL    string
	// Message is GitLab's message: the "message" or "error" of the body, or
	// the per-field messages joined, or the HTTP status text.
	Message string
	// Fields holds per-parameter messages, such as
	// {"url": ["is missing"], "webhook": ["is blocked"]}, parsed from either
	// of GitLab's shapes: {"error":"url is missing, password is missing"}
	// and {"message":{"webhook":["is blocked"]}}.
	Fields map[string][]string
	// Body is the answer's body as received: its first 64 KiB at most, the
	// SDK's bound for an answer that is not a success (the rest is not
	// read).
	Body []byte
	// Header is the answer's header, for Retry-After and RateLimit-*.
	Header http.Header

	// hint explains GitLab's answer when its message alone misleads, such
	// as the usual causes of "Integration not available".
	hint string
	// removedIn is the GitLab version that removed the integration asked
	// for, set when the server answered as for an unknown integration.
	removedIn string
}

// Error returns "integrations: METHOD URL: STATUS: message".
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if e.hint != "" {
		msg += " (" + e.hint + ")"
	}
	return fmt.Sprintf("integrations: %s %s: %d %s: %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode), msg)
}

// Is reports whether the error matches a sentinel such as ErrNotFound.
func (e *Error) Is(target error) bool {
	lower := strings.ToLower(e.Message)
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrIntegrationNotFound:
		return e.StatusCode == http.StatusNotFound &&
			(strings.Contains(lower, "integration not found") || strings.Contains(lower, "service not found"))
	case ErrProjectNotFound:
		return e.StatusCode == http.StatusNotFound && strings.Contains(lower, "project not found")
	case ErrGroupNotFound:
		return e.StatusCode == http.StatusNotFound && strings.Contains(lower, "group not found")
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrIntegrationNotAvailable:
		return e.StatusCode == http.StatusBadRequest && strings.Contains(lower, "integration not available")
	case ErrUnknownIntegration:
		return e.unknownSlug() || e.removedIn != ""
	case ErrIntegrationRemoved:
		return e.removedIn != ""
	}
	return false
}

// notAvailableHint lists why GitLab answers "Integration not available".
const notAvailableHint = "GitLab offers it neither here nor at this level: it may be turned off in the instance's settings " +
	"(GitLab for Slack app, Jira Cloud app) or by its allow-list of integrations, need a higher tier " +
	"(Premium, Ultimate) or GitLab.com (the Google Cloud integrations), or exist for projects only " +
	"(asked for a group)"

// routeUnknown reports whether GitLab answered that no route matches the
// request at all: 404 {"error":"404 Not Found"} from its router, as opposed
// to the "404 Project Not Found" or "404 Integration Not Found" of an
// endpoint that exists. An older GitLab answers so for an endpoint it does
// not have yet, a newer one for an integration it no longer has.
func (e *Error) routeUnknown() bool {
	if e.StatusCode != http.StatusNotFound {
		return false
	}
	var doc struct {
		Error   string          `json:"error"`
		Message json.RawMessage `json:"message"`
	}
	return json.Unmarshal(e.Body, &doc) == nil && doc.Error == "404 Not Found" && len(doc.Message) == 0
}

// unknownSlug reports GitLab's answer for a slug it does not know: Grape's
// 400 "slug does not have a valid value", or, for a PUT, no route at all.
func (e *Error) unknownSlug() bool {
	return e.routeUnknown() ||
		(e.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "slug does not have a valid value"))
}

// newError builds the *Error for a non-2xx answer and its (bounded) body.
func newError(method, url string, resp *http.Response, body []byte) *Error {
	e := &Error{StatusCode: resp.StatusCode, Method: method, URL: url, Body: body, Header: resp.Header}
	e.Message, e.Fields = parseErrorBody(body)
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if e.Is(ErrIntegrationNotAvailable) {
		e.hint = notAvailableHint
	}
	return e
}

// grapeProblem is one "<param> <message>" of a Grape validation error.
var grapeProblem = regexp.MustCompile(`^([a-z][a-z0-9_]*(?:\[[a-z0-9_]*\])*) ((?:is|are|must|does|has|should|cannot|can't|was) .*)$`)

// rubyHashEntry is one `:field=>["msg", …]`, `"field"=>[…]`, `field: […]`
// or `"field" => […]` (Ruby 3.4) entry of the Ruby hash GitLab prints in
// "Failed to update integration. {…}".
var rubyHashEntry = regexp.MustCompile(`:?"?([a-z][a-z0-9_]*)"?(?:\s*=>|:)\s*\[([^\]]*)\]`)

// parseErrorBody extracts GitLab's message and per-field messages. It never
// fails: a body it cannot read yields an empty message.
func parseErrorBody(body []byte) (string, map[string][]string) {
	var doc struct {
		Message json.RawMessage `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if len(body) == 0 || json.Unmarshal(body, &doc) != nil {
		return "", nil
	}
	fields := map[string][]string{}
	var msg string
	for _, raw := range []json.RawMessage{doc.Message, doc.Error} {
		if len(raw) == 0 || msg != "" {
			continue
		}
		var s string
		var obj map[string]any
		var list []any
		switch {
		case json.Unmarshal(raw, &s) == nil:
			msg = s
			parseGrapeProblems(s, fields)
			if i := strings.Index(s, "{"); i >= 0 {
				for _, m := range rubyHashEntry.FindAllStringSubmatch(s[i:], -1) {
					if parts := splitRubyStrings(m[2]); len(parts) > 0 {
						fields[m[1]] = append(fields[m[1]], parts...)
					}
				}
			}
		case json.Unmarshal(raw, &obj) == nil:
			keys := make([]string, 0, len(obj))
			for k := range obj {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var parts []string
			for _, k := range keys {
				for _, m := range flattenMessages(obj[k]) {
					fields[k] = append(fields[k], m)
					parts = append(parts, k+" "+m)
				}
			}
			msg = strings.Join(parts, ", ")
		case json.Unmarshal(raw, &list) == nil:
			msg = strings.Join(flattenMessages(list), ", ")
		}
	}
	if len(fields) == 0 {
		fields = nil
	}
	return msg, fields
}

// parseGrapeProblems reads "url is missing, password is missing".
func parseGrapeProblems(s string, fields map[string][]string) {
	for _, part := range strings.Split(s, ", ") {
		if m := grapeProblem.FindStringSubmatch(strings.TrimSpace(part)); m != nil {
			fields[m[1]] = append(fields[m[1]], m[2])
		}
	}
}

// splitRubyStrings reads the inside of a Ruby array of strings: "a", "b".
func splitRubyStrings(s string) []string {
	var out []string
	for _, part := range strings.Split(s, "\", \"") {
		part = strings.Trim(strings.TrimSpace(part), "\"")
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// flattenMessages turns a JSON value of messages into strings.
func flattenMessages(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, flattenMessages(x)...)
		}
		return out
	case nil:
		return nil
	default:
		b, _ := json.Marshal(t)
		return []string{string(b)}
	}
}

// ValidationError lists every problem found in a call's options before
// anything was sent. It matches ErrValidation.
type ValidationError struct {
	// Integration is the slug of the integration, such as "slack".
	Integration string
	// Problems holds one entry per problem, each naming the parameter by its
	// API name: "webhook: is required".
	Problems []string

	// kind is a second sentinel the error matches, such as
	// ErrUnknownIntegration for a name no integration has.
	kind error
}

// Error joins the problems into one line.
func (e *ValidationError) Error() string {
	if e.Integration == "" {
		return "integrations: invalid request: " + strings.Join(e.Problems, "; ")
	}
	return fmt.Sprintf("integrations: invalid %s options: %s", e.Integration, strings.Join(e.Problems, "; "))
}

// invalid returns a *ValidationError of one problem that concerns no
// integration in particular, such as a nil context or a bad reference.
func invalid(format string, args ...any) error {
	return &ValidationError{Problems: []string{fmt.Sprintf(format, args...)}}
}

// Is makes errors.Is(err, ErrValidation) true, and matches the more
// precise sentinel some problems have (ErrUnknownIntegration).
func (e *ValidationError) Is(target error) bool {
	return target == ErrValidation || (e.kind != nil && target == e.kind)
}

// Errors of the by-slug layer and of older or newer servers.
var (
	// ErrUnknownIntegration matches a slug no integration has, and GitLab's
	// answer for a slug the server does not know (400 "slug does not have
	// a valid value", or 404 for a PUT).
	ErrUnknownIntegration = errors.New("unknown integration")
	// ErrIntegrationRemoved matches a call for an integration that the
	// server no longer has because GitLab removed it (IntegrationInfo.RemovedIn
	// says in which version): the server answered as for an unknown slug.
	ErrIntegrationRemoved = errors.New("integration removed")
	// ErrIntegrationNotAvailable matches GitLab's 400 "Integration not
	// available": the integration is turned off in the instance's settings
	// or by its allow-list, needs another tier or GitLab.com, or exists for
	// projects only and was asked for a group.
	ErrIntegrationNotAvailable = errors.New("integration not available")
)
