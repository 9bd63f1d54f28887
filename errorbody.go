package integrations

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// maxErrorBody bounds how much of an answer that is not a success (any
// status outside 2xx: errors, redirects) the SDK reads: 64 KiB. GitLab's
// error bodies are a few hundred bytes, its longest validation messages a
// few kilobytes; what is past the bound is never read. The connection is
// closed instead, so that a hostile server streaming gigabytes with each
// retried 503 costs one small buffer an attempt.
const maxErrorBody = 64 << 10

// readErrorBody reads at most maxErrorBody bytes of a body of size bytes
// (its Content-Length; -1 when unknown), once, and says whether there was
// more. It allocates one buffer: of the body's size when it is known and
// within the bound, of the bound when it is known to be larger, and for a
// body of unknown size a copy, at its size, of a small body read into a
// pooled buffer, or the bound once it outgrows that buffer.
func readErrorBody(r io.Reader, size int64) (data []byte, truncated bool, err error) {
	if size > 0 {
		buf := make([]byte, min(size, maxErrorBody))
		n, err := fill(r, buf)
		return probe(r, buf[:n], err)
	}
	scratch := readBuffers.Get().(*[]byte)
	defer readBuffers.Put(scratch)
	small := (*scratch)[:min(cap(*scratch), maxErrorBody)]
	n, err := fill(r, small)
	if n < len(small) || err != nil {
		return bytes.Clone(small[:n]), false, err
	}
	buf := make([]byte, maxErrorBody)
	copy(buf, small)
	m, err := fill(r, buf[n:])
	return probe(r, buf[:n+m], err)
}

// fill reads r into buf until buf is full or r ends; the end of r is not
// an error.
func fill(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	return n, err
}

// probe says whether r has more than the maxErrorBody bytes read into data,
// by reading one byte more: the buffer stays 64 KiB, where room for the
// extra byte would make the allocation 72 KiB (the next size class).
func probe(r io.Reader, data []byte, err error) ([]byte, bool, error) {
	if err != nil || len(data) < maxErrorBody {
		return data, false, err
	}
	var one [1]byte
	n, err := fill(r, one[:])
	return data, n > 0, err
}

// errorBodyCut is the read error of an answer whose body outgrew
// maxErrorBody: the answer's status is still the news, with the first
// 64 KiB of its body.
var errorBodyCut = fmt.Errorf("%w: the answer's body is longer than %d bytes; the rest was not read", ErrInvalidResponse, maxErrorBody)

// answerBody is the body of an answer that went through answerReader, as
// it read it, without a copy; through a wrapper around it (such as the
// body http.Client.Timeout puts in place) it is read again, bounded.
func answerBody(resp *http.Response) []byte {
	if ra, ok := resp.Body.(*readAnswer); ok {
		return ra.data
	}
	if resp.StatusCode/100 != 2 {
		data, _, _ := readErrorBody(resp.Body, -1)
		return data
	}
	data, _ := readBounded(resp.Body)
	return data
}
