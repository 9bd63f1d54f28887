package integrationstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
)

// Request is one request the server received, as the log keeps it.
type Request struct {
	// Method is the HTTP method, such as "PUT".
	Method string
	// Path is the path as sent, still escaped: "/api/v4/projects/acme%2Fweb/integrations/slack".
	Path string
	// Query is the parsed query string.
	Query url.Values
	// Header is the request's header, with the value of every token header
	// (PRIVATE-TOKEN, JOB-TOKEN, Authorization) replaced by "[REDACTED]".
	Header http.Header
	// Body is the body as received.
	Body []byte
	// Status is the status the server answered, 429 and injected failures
	// included; 0 when the client went away before the answer.
	Status int
}

// JSON decodes the body as a JSON object, for asserting what was sent.
func (r Request) JSON() (map[string]any, error) {
	var out map[string]any
	err := json.Unmarshal(r.Body, &out)
	return out, err
}

// redactedValue replaces token values in logged headers.
const redactedValue = "[REDACTED]"

// tokenHeaders are the headers that carry a token.
var tokenHeaders = []string{"Private-Token", "Job-Token", "Authorization"}

// requestLog keeps the most recent requests, up to limit.
type requestLog struct {
	mu      sync.Mutex
	limit   int
	entries []Request
}

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limit <= 0 {
		return
	}
	if len(l.entries) >= l.limit {
		// Drop the oldest half at once so that a full log costs an
		// amortised copy per request, not one per request.
		drop := max(len(l.entries)-l.limit+1, l.limit/2)
		l.entries = append(l.entries[:0], l.entries[drop:]...)
	}
	l.entries = append(l.entries, r)
}

// Requests returns the requests the server received, oldest first, in the
// order their answers were written. The result is a copy.
func (s *Server) Requests() []Request {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	out := make([]Request, len(s.log.entries))
	for i, r := range s.log.entries {
		out[i] = r.clone()
	}
	return out
}

// clone copies a request deeply, so that callers cannot change the log.
func (r Request) clone() Request {
	r.Header = r.Header.Clone()
	q := make(url.Values, len(r.Query))
	for k, v := range r.Query {
		q[k] = append([]string(nil), v...)
	}
	r.Query = q
	r.Body = append([]byte(nil), r.Body...)
	return r
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	s.log.entries = nil
}

// logged copies what the log keeps of a request.
func logged(r *http.Request, body []byte, status int) Request {
	h := r.Header.Clone()
	for _, k := range tokenHeaders {
		if len(h[k]) > 0 {
			h[k] = []string{redactedValue}
		}
	}
	q := r.URL.Query()
	if q.Has("private_token") {
		q.Set("private_token", redactedValue)
	}
	return Request{
		Method: r.Method,
		Path:   r.URL.EscapedPath(),
		Query:  q,
		Header: h,
		Body:   body,
		Status: status,
	}
}
