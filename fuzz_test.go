package integrations

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fuzz targets below run in CI for a few seconds each (see .ci/run);
// their seed corpora are in testdata/fuzz/<target>/, and every plain
// `go test` runs the seeds as regression tests.

// cannedTransport answers every request with one canned response, in
// process: the fuzz targets exercise the SDK's whole answer path without a
// socket.
type cannedTransport struct {
	status      int
	contentType string
	body        []byte
}

func (t *cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h := http.Header{}
	if t.contentType != "" {
		h.Set("Content-Type", t.contentType)
	}
	return &http.Response{
		StatusCode:    t.status,
		Status:        strconv.Itoa(t.status) + " " + http.StatusText(t.status),
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)),
		Request:       req,
	}, nil
}

// FuzzDecodeSettings feeds arbitrary answers (status, content type, body)
// to Get of a few integrations and to List: no panic; a success has what a
// success must have; a failure is GitLab's *Error for a non-2xx status and
// ErrInvalidResponse for a 2xx one; decoding the same bytes twice gives the
// same value.
func FuzzDecodeSettings(f *testing.F) {
	for _, slug := range []string{"slack", "jira", "pushover", "emails-on-push"} {
		f.Add(uint16(200), "application/json", fixtureBytes(f, slug))
	}
	for _, a := range badSettingsAnswers {
		if !a.heavy {
			f.Add(uint16(a.status), a.contentType, a.body)
		}
	}
	for _, a := range badErrorAnswers {
		if len(a.body) < 4096 {
			f.Add(uint16(a.status), a.contentType, a.body)
		}
	}
	tr := &cannedTransport{}
	c, err := NewClient(relToken, WithBaseURL("https://gitlab.example.com"),
		WithHTTPClient(&http.Client{Transport: tr}), WithoutRetries())
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, status uint16, contentType string, body []byte) {
		tr.status = 100 + int(status)%500
		if tr.status < 200 {
			tr.status += 100 // 1xx are not final answers
		}
		tr.contentType, tr.body = contentType, body
		ok2xx := tr.status >= 200 && tr.status <= 299

		checkErr := func(what string, err error) {
			t.Helper()
			var gerr *Error
			switch {
			case !ok2xx && !errors.As(err, &gerr):
				t.Fatalf("%s: status %d gave %v, not an *Error", what, tr.status, err)
			case !ok2xx && gerr.StatusCode != tr.status:
				t.Fatalf("%s: *Error says %d, GitLab said %d", what, gerr.StatusCode, tr.status)
			case ok2xx && !errors.Is(err, ErrInvalidResponse):
				t.Fatalf("%s: a bad 2xx answer gave %v, not ErrInvalidResponse", what, err)
			}
			if strings.Contains(err.Error(), relToken) {
				t.Fatalf("%s: the error holds the token", what)
			}
		}

		first, err := c.Slack.Get(ctx, ProjectID(1))
		if err != nil {
			checkErr("slack", err)
		} else {
			if !ok2xx || first == nil || first.Slug == "" {
				t.Fatalf("a success for status %d with %+v", tr.status, first)
			}
			again, err := c.Slack.Get(ctx, ProjectID(1))
			if err != nil || !reflect.DeepEqual(first, again) {
				t.Fatalf("decoding twice differs: %+v then %+v (%v)", first, again, err)
			}
		}
		if _, err := c.Jira.Get(ctx, Project("acme/web")); err != nil {
			checkErr("jira", err)
		}
		if _, err := c.EmailsOnPush.Get(ctx, Group("acme")); err != nil {
			checkErr("emails-on-push", err)
		}
		list, err := c.List(ctx, ProjectID(1))
		if err != nil {
			checkErr("list", err)
		} else {
			for i, it := range list {
				if it == nil {
					t.Fatalf("list entry %d is nil", i)
				}
			}
		}
	})
}

// FuzzParseErrorBody feeds arbitrary bodies to GitLab's error parsing: no
// panic, the *Error always says something, and a field is only listed with
// at least one message.
func FuzzParseErrorBody(f *testing.F) {
	for _, body := range []string{
		`{"message":"404 Integration Not Found"}`,
		`{"error":"url is missing, password is missing"}`,
		`{"message":{"webhook":["is blocked: Requests to the local network are not allowed"]}}`,
		`{"message":"Failed to update integration. {:url=>[\"is blocked\"], :password=>[\"can't be blank\"]}"}`,
		`{"message":{"base":["a","b"],"url":[{"x":1}]}}`,
		`{"message":["first","second"]}`,
		`{"error":null,"message":null}`,
		`<html>502</html>`,
		``,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msg, fields := parseErrorBody(body)
		for name, msgs := range fields {
			if len(msgs) == 0 {
				t.Fatalf("field %q with messages %q", name, msgs)
			}
		}
		e := newError(http.MethodPut, "https://gitlab.example.com/api/v4/projects/1/integrations/jira",
			&http.Response{StatusCode: 400, Header: http.Header{}}, body)
		if e.Message == "" || (msg != "" && e.Message != msg) {
			t.Fatalf("message %q, parsed %q", e.Message, msg)
		}
		if s := e.Error(); !strings.Contains(s, "400 Bad Request") {
			t.Fatalf("Error() = %q", s)
		}
		if !errors.Is(e, e) || errors.Is(e, ErrNotFound) {
			t.Fatal("a 400 matches ErrNotFound")
		}
	})
}

// FuzzScope feeds arbitrary project and group paths to the reference
// checks: a path that passes is sent as one escaped segment that decodes
// back to the path, with nothing of it in the query, and the URL parses
// back to the same path.
func FuzzScope(f *testing.F) {
	for _, p := range []string{"acme/web", "acme/web.site", "a/b/c", "42", "ünïcødé/名前", "a b", "a/../b", "a%2Fb", "a?b", "a\x00b", "/a", "a//b"} {
		f.Add(p, false)
		f.Add(p, true)
	}
	c, err := NewClient(relToken, WithBaseURL("https://gitlab.example.com"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path string, group bool) {
		s := Project(path)
		if group {
			s = Group(path)
		}
		if err := s.validate(); err != nil {
			if !errors.Is(err, ErrValidation) {
				t.Fatalf("%q: %v does not match ErrValidation", path, err)
			}
			return
		}
		seg := s.escaped()
		for i := 0; i < len(seg); i++ {
			ch := seg[i]
			if ch == '/' || ch == '?' || ch == '#' || ch == '.' || ch < 0x21 || ch > 0x7e {
				t.Fatalf("%q escaped as %q: %q left raw", path, seg, ch)
			}
		}
		if back, err := url.PathUnescape(seg); err != nil || back != path {
			t.Fatalf("%q escaped as %q decodes to %q (%v)", path, seg, back, err)
		}
		u := c.endpoint(s, "/integrations/slack")
		parsed, err := url.Parse(u.String())
		if err != nil {
			t.Fatalf("%q: endpoint %q does not parse: %v", path, u, err)
		}
		if parsed.RawQuery != "" || parsed.Fragment != "" {
			t.Fatalf("%q leaked into the query or fragment: %q", path, u)
		}
		if parsed.EscapedPath() != u.EscapedPath() || !strings.Contains(parsed.EscapedPath(), "/"+seg+"/") {
			t.Fatalf("%q: %q parses back as %q", path, u.EscapedPath(), parsed.EscapedPath())
		}
	})
}

// FuzzRetryHeaders feeds arbitrary Retry-After and RateLimit-* values to
// the wait computations: no panic, never a negative wait, and the adaptive
// limiter stays usable.
func FuzzRetryHeaders(f *testing.F) {
	now := time.Unix(1_700_000_000, 0)
	f.Add("30", "1700000060", "Tue, 14 Nov 2023 22:14:20 GMT", "5", 429)
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT", "12", "", "0", 200)
	f.Add("-1", "-1", "garbage", "-3", 503)
	f.Add("99999999999999999999", "9223372036854775807", "", "999999999999", 429)
	f.Fuzz(func(t *testing.T, retryAfter, reset, resetTime, remaining string, status int) {
		h := http.Header{}
		for k, v := range map[string]string{"Retry-After": retryAfter, "RateLimit-Reset": reset, "RateLimit-ResetTime": resetTime, "RateLimit-Remaining": remaining} {
			if v != "" {
				h.Set(k, v)
			}
		}
		if d, _ := serverWait(h, now); d < 0 {
			t.Fatalf("negative wait %s", d)
		}
		p := defaultRetryPolicy()
		if d, _ := p.delay(3, &http.Response{StatusCode: status, Header: h}, now); d < 0 {
			t.Fatalf("negative delay %s", d)
		}
		a := &adaptiveLimit{wake: make(chan struct{})}
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		tk, err := a.acquire(ctx)
		if err != nil {
			t.Fatalf("the first request must go out: %v", err)
		}
		a.observe(tk, &http.Response{StatusCode: status, Header: h})
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.inflight != 0 || a.seen < 0 {
			t.Fatalf("state after one answer: inflight %d, seen %d", a.inflight, a.seen)
		}
	})
}

// FuzzParseScope: ParseScope never panics, refuses with ErrValidation, and
// what it accepts writes back as text that parses to the same scope.
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"project:acme/web", "project:42", "group:acme/sub", "group:7", "group:", ":x", "project:0",
		"project:99999999999999999999", "Project:a", "group:a//b", "project:a b", "project:ünï/名"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseScope(text)
		if err != nil {
			if !errors.Is(err, ErrValidation) {
				t.Fatalf("%q: %v does not match ErrValidation", text, err)
			}
			return
		}
		out, err := s.MarshalText()
		if err != nil {
			t.Fatalf("%q parsed but does not marshal: %v", text, err)
		}
		again, err := ParseScope(string(out))
		if err != nil || again != s {
			t.Fatalf("%q -> %q -> %v, %v", text, out, again, err)
		}
	})
}
