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
// header, so the three contenders get exactly the same work.
type memoryTransport struct{}

// RoundTrip answers req with its canned integration, or 404.
func (memoryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	answer, ok := answerFor(req.URL.Path)
	status, statusLine := http.StatusOK, "200 OK"
	if !ok {
		status, statusLine = http.StatusNotFound, "404 Not Found"
	}
	return &http.Response{
		Status:        statusLine,
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        answer.header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(answer.body)),
		ContentLength: int64(len(answer.body)),
		Request:       req,
	}, nil
}

// newMemoryClient returns an HTTP client whose every request is answered by
// memoryTransport.
func newMemoryClient() *http.Client { return &http.Client{Transport: memoryTransport{}} }
