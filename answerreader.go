package integrations

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gitlabkit/integrations/internal/transport"
)

// answerReader reads every answer's body (up to maxResponseBytes for a 2xx,
// maxErrorBody for any other status) before
// handing the answer on, so that an answer cut off mid-body is a failed
// attempt like a reset before the status line: a 2xx to a GET or DELETE
// whose body breaks off is retried by the retry policy. Other answers keep
// what was read and the error, for do to report (a PUT is not sent again
// once GitLab has answered it; an error status is the news either way).
//
// With the SDK's own transport it also names a request that reached the
// transport's bound as such (transport.RequestTimeoutError).
//
// It has no CloseIdleConnections method, on purpose. go-retryablehttp, which
// the SDK once sent through, calls http.Client.CloseIdleConnections after
// every call that fails (a context cancelled before anything was sent
// included), which would empty the connection pool every goroutine of the
// Client shares and, with a WithHTTPClient client on http.DefaultTransport,
// that of unrelated code. Behind answerReader, nothing can.
type answerReader struct {
	next    http.RoundTripper
	timeout time.Duration       // the SDK's own transport's bound; 0 with WithHTTPClient
	gate    *transport.ConnGate // the SDK's own transport's; nil with WithHTTPClient
}

// RoundTrip sends req and reads the answer's body.
func (a answerReader) RoundTrip(req *http.Request) (*http.Response, error) {
	// A call's first answer goes into the room its context has for one.
	var ra *readAnswer
	if cc, ok := req.Context().(*callContext); ok && !cc.answerUsed {
		ra, cc.answerUsed = &cc.answer, true
	}
	if a.gate != nil {
		// In flight until its body is read: the connection is back in
		// the pool by then.
		defer a.gate.End(a.gate.Begin(req.URL))
	}
	resp, err := a.next.RoundTrip(req)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, transport.AsRequestTimeout(req.Context(), err, a.timeout)
	}
	var data []byte
	var readErr error
	if resp.StatusCode/100 == 2 {
		data, readErr = readBoundedSized(resp.Body, resp.ContentLength)
	} else {
		// An error or a redirect: its first 64 KiB, read once; the
		// rest is left unread, and Close drops the connection.
		var cut bool
		if data, cut, readErr = readErrorBody(resp.Body, resp.ContentLength); cut && readErr == nil {
			readErr = errorBodyCut
		}
	}
	readErr = transport.AsRequestTimeout(req.Context(), readErr, a.timeout)
	_ = resp.Body.Close()
	if readErr != nil && !errors.Is(readErr, ErrInvalidResponse) {
		readErr = &brokenAnswerError{status: resp.StatusCode, read: len(data), err: readErr}
		if resp.StatusCode/100 == 2 && (req.Method == http.MethodGet || req.Method == http.MethodDelete) {
			return nil, readErr
		}
	}
	if ra == nil {
		ra = new(readAnswer)
	}
	*ra = readAnswer{data: data, err: readErr}
	ra.r.Reset(data) // the body and its reader in one piece
	resp.Body = ra
	return resp, nil
}

// readAnswer is an answer's body as answerReader read it: do takes data
// and err as they are, anything else reads it as a body.
type readAnswer struct {
	r    bytes.Reader
	data []byte
	err  error // why the read stopped early; nil when the body was read whole
}

// Read reads the body, then the error that stopped answerReader's read
// early (so that code reading it through a wrapper, such as the body
// http.Client.Timeout puts in place, still sees it) or io.EOF.
func (r *readAnswer) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err == io.EOF && r.err != nil {
		return n, r.err
	}
	return n, err
}

// Close does nothing: the body was read and closed already.
func (*readAnswer) Close() error { return nil }

// brokenAnswerError is an answer whose body could not be read to its end
// (a reset, a connection closed early). It matches ErrInvalidResponse and
// the read's own error (errors.Is(err, syscall.ECONNRESET)).
type brokenAnswerError struct {
	status int
	read   int
	err    error
}

func (e *brokenAnswerError) Error() string {
	return fmt.Sprintf("%v: the %d answer broke off after %d bytes of its body: %v", ErrInvalidResponse, e.status, e.read, e.err)
}

func (e *brokenAnswerError) Unwrap() []error { return []error{ErrInvalidResponse, e.err} }
