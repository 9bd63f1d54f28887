package integrationstest

import (
	"bytes"
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
	// Body is the body as received, or its first 64 KiB when it was longer
	// (no integration's settings come near that); BodySize is its full
	// length.
	Body []byte
	// BodySize is the length of the body as the server read it (at most
	// 1 MiB and one byte: the server refuses longer bodies with 413).
	BodySize int
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

// maxLoggedBody is how much of a body the log keeps.
const maxLoggedBody = 64 << 10

// requestLog keeps the most recent requests, up to limit entries and
// maxBytes bytes (bodies, paths and headers).
type requestLog struct {
	mu       sync.Mutex
	limit    int
	maxBytes int
	bytes    int // the size of entries
	entries  []Request
}

// size is what an entry costs the log, roughly: its body, path, query and
// header text.
func (r *Request) size() int {
	n := len(r.Body) + len(r.Path) + 64
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	for k, vs := range r.Query {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return n
}

// on reports whether the log keeps anything (WithRequestLogLimit(0) and
// WithRequestLogBytes(0) turn it off). The bounds are set before the server
// starts and never change.
func (l *requestLog) on() bool { return l.limit > 0 && l.maxBytes > 0 }

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limit <= 0 || l.maxBytes <= 0 {
		return
	}
	size := r.size()
	if len(l.entries) >= l.limit || l.bytes+size > l.maxBytes {
		// Drop the oldest half (or, for the byte bound, down to three
		// quarters) at once, so that a full log costs an amortised copy
		// per request, not one per request.
		drop := 0
		if len(l.entries) >= l.limit {
			drop = max(len(l.entries)-l.limit+1, l.limit/2)
		}
		dropped := 0
		for i := range l.entries[:drop] {
			dropped += l.entries[i].size()
		}
		for drop < len(l.entries) && l.bytes-dropped+size > l.maxBytes/4*3 {
			dropped += l.entries[drop].size()
			drop++
		}
		n := copy(l.entries, l.entries[drop:])
		clear(l.entries[n:]) // let the dropped bodies go
		l.entries = l.entries[:n]
		l.bytes -= dropped
	}
	l.entries = append(l.entries, r)
	l.bytes += size
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
	s.log.bytes = 0
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
	// A copy, so that the log does not hold the read buffer (up to twice
	// the body) alive, and no more of the body than a test can use.
	kept := bytes.Clone(body[:min(len(body), maxLoggedBody)])
	return Request{
		Method:   r.Method,
		Path:     r.URL.EscapedPath(),
		Query:    q,
		Header:   h,
		Body:     kept,
		BodySize: len(body),
		Status:   status,
	}
}
