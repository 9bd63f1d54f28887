package bench

import (
	"bytes"
	"io"
	"net/http"
)

// memoryTransport answers every request in memory with the canned answer
// for its path, so that a benchmark measures the client and nothing else.
// It does what a real transport does with a request's body (reads it to the
// end and closes it) and hands every client the same bytes and a fresh
// header, so the contenders get exactly the same work. length is how the
// answer gives its length (LengthExact, LengthZero, LengthUnknown).
type memoryTransport struct{ length string }

// RoundTrip answers req with its canned integration, or 404.
func (t memoryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	answer, ok := answerFor(req.URL.Path)
	status, statusLine := http.StatusOK, "200 OK"
	if !ok {
		status, statusLine = http.StatusNotFound, "404 Not Found"
	}
	header, length := answer.header, int64(len(answer.body))
	switch t.length {
	case LengthZero:
		header, length = answer.headerNoLength, 0
	case LengthUnknown:
		header, length = answer.headerNoLength, -1
	}
	return &http.Response{
		Status:        statusLine,
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(answer.body)),
		ContentLength: length,
		Request:       req,
	}, nil
}

// newMemoryClient returns an HTTP client whose every request is answered by
// memoryTransport with the given length mode.
func newMemoryClient(length string) *http.Client {
	return &http.Client{Transport: memoryTransport{length}}
}
