package integrations

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// badAnswer is an answer GitLab, or something in front of it, might give
// that the SDK cannot use. want is a piece of the error's message.
type badAnswer struct {
	name        string
	status      int
	contentType string
	header      map[string]string
	body        []byte
	want        string
	// heavy answers are tried on one integration, not all: the answer
	// path is the same, and 55 copies of 8 MiB slow the suite down.
	heavy bool
}

func ba(name string, status int, contentType, body, want string) badAnswer {
	return badAnswer{name: name, status: status, contentType: contentType, body: []byte(body), want: want}
}

// nested returns n nested JSON arrays, deeper than encoding/json allows.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// badSettingsAnswers are bad answers to Get and Set: each must give an error
// matching ErrInvalidResponse, for every integration.
var badSettingsAnswers = []badAnswer{
	ba("proxy login page", 200, "text/html; charset=utf-8", "<!DOCTYPE html><html><body>Sign in to the corporate proxy</body></html>", "got text/html, not JSON"),
	ba("HTML sent as JSON", 200, "application/json", "<html>oops</html>", "not a JSON object or array"),
	ba("empty body", 200, "application/json", "", "empty body"),
	ba("blank body", 200, "application/json", " \r\n\t ", "empty body"),
	ba("truncated JSON", 200, "application/json", `{"id":1,"title":"Slack","slug":"sla`, "unexpected end of JSON"),
	ba("truncated properties", 200, "application/json", `{"id":1,"slug":"x","properties":{"channel":"#a"`, "unexpected end of JSON"),
	ba("null", 200, "application/json", "null", "not a JSON object or array"),
	ba("a JSON string", 200, "application/json", `"ok"`, "not a JSON object or array"),
	ba("a number", 200, "application/json", "42", "not a JSON object or array"),
	ba("true", 200, "application/json", "true", "not a JSON object or array"),
	ba("an array instead of an object", 200, "application/json", `[{"id":1,"slug":"x"}]`, "invalid response"),
	ba("an empty object", 200, "application/json", `{}`, `neither an "id" nor a "slug"`),
	ba("an error body with 200", 200, "application/json", `{"message":"404 Project Not Found"}`, `neither an "id" nor a "slug"`),
	ba("a Grape error with 200", 200, "application/json", `{"error":"url is missing"}`, `neither an "id" nor a "slug"`),
	ba("another integration's answer", 200, "application/json", `{"id":1,"slug":"not-this-one","active":true}`, `the answer is for "not-this-one"`),
	ba("id of the wrong type", 200, "application/json", `{"id":"seven","slug":"x"}`, "want an integer"),
	ba("active of the wrong type", 200, "application/json", `{"id":1,"slug":"x","active":"maybe"}`, "want a boolean"),
	ba("slug of the wrong type", 200, "application/json", `{"id":1,"slug":{"name":"x"}}`, "want a string"),
	ba("created_at not a time", 200, "application/json", `{"id":1,"slug":"x","created_at":"yesterday"}`, "invalid response"),
	ba("properties an array", 200, "application/json", `{"id":1,"slug":"x","properties":["a"]}`, "properties: want a JSON object"),
	ba("properties a string", 200, "application/json", `{"id":1,"slug":"x","properties":"none"}`, "properties: want a JSON object"),
	ba("two objects", 200, "application/json", `{"id":1,"slug":"x"}{"id":2}`, "invalid response"),
	ba("trailing garbage", 200, "application/json", `{"id":1,"slug":"x"} <html>`, "invalid response"),
	{name: "deeply nested", status: 200, contentType: "application/json",
		body: []byte(`{"id":1,"slug":"x","properties":{"zz_unknown":` + nested(20000) + `}}`),
		want: "invalid response", heavy: true},
	{name: "larger than the read limit", status: 200, contentType: "application/json",
		body: append(append([]byte(`{"id":1,"slug":"x","title":"`), bytes.Repeat([]byte("a"), maxResponseBytes)...), `"}`...),
		want: "answer larger than", heavy: true},
}

// badListAnswers are bad answers to List.
var badListAnswers = []badAnswer{
	ba("an object instead of a list", 200, "application/json", `{"id":1,"slug":"slack"}`, "invalid response"),
	ba("a null entry", 200, "application/json", `[{"id":1,"slug":"slack"},null]`, "entry 1 of the list is null"),
	ba("numbers", 200, "application/json", `[1,2,3]`, "invalid response"),
	ba("null", 200, "application/json", `null`, "not a JSON object or array"),
	ba("HTML", 200, "text/html", `<html></html>`, "got text/html"),
	ba("empty", 200, "application/json", ``, "empty body"),
	ba("truncated", 200, "application/json", `[{"id":1,"slug":"sl`, "unexpected end of JSON"),
}

// badErrorAnswers are failures whose body is not GitLab's: the *Error still
// has the status and the body, and a message.
var badErrorAnswers = []struct {
	badAnswer
	message string
}{
	{ba("HTML 404", 404, "text/html", "<html><h1>Not Found</h1></html>", "404"), "Not Found"},
	{ba("empty 401", 401, "", "", "401"), "Unauthorized"},
	{ba("message of the wrong type", 400, "application/json", `{"message":5}`, "400"), "Bad Request"},
	{ba("message null", 422, "application/json", `{"message":null}`, "422"), "Unprocessable Entity"},
	{ba("truncated error", 400, "application/json", `{"message":{"url":["is mis`, "400"), "Bad Request"},
	{ba("plain-text 429", 429, "text/plain", "Retry later\n", "429"), "Too Many Requests"},
	{ba("huge 500", 500, "text/html", strings.Repeat("<p>stack</p>", 1<<20), "500"), "Internal Server Error"},
}

// answerServer serves whatever answer the test sets.
type answerServer struct {
	*httptest.Server
	mu  sync.Mutex
	cur badAnswer
}

func newAnswerServer(t *testing.T) *answerServer {
	s := &answerServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		a := s.cur
		s.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if a.contentType != "" {
			w.Header().Set("Content-Type", a.contentType)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *answerServer) set(a badAnswer) {
	s.mu.Lock()
	s.cur = a
	s.mu.Unlock()
}

// TestBadAnswersToEveryIntegration gives every bad answer to Get and Set of
// every integration: each is an error that says what was wrong, never a
// panic and never a half-decoded success.
func TestBadAnswersToEveryIntegration(t *testing.T) {
	t.Parallel()
	srv := newAnswerServer(t)
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithoutRetries())
	require.NoError(t, err)
	ctx := context.Background()
	checked := 0
	for _, a := range badSettingsAnswers {
		srv.set(a)
		for i, sc := range generatedServices {
			if a.heavy && i > 0 {
				break
			}
			_, err := sc.get(ctx, c, ProjectID(1))
			require.Error(t, err, "%s: Get of %s", a.name, sc.slug)
			require.ErrorIs(t, err, ErrInvalidResponse, "%s: Get of %s", a.name, sc.slug)
			require.Contains(t, err.Error(), a.want, "%s: Get of %s", a.name, sc.slug)
			requireNoToken(t, err.Error(), a.name)
			checked++
		}
		// Set, through one integration: the answer path is the same.
		_, err := c.Slack.Set(ctx, ProjectID(1), okSlack())
		require.ErrorIs(t, err, ErrInvalidResponse, "%s: Set", a.name)
		require.Contains(t, err.Error(), a.want, "%s: Set", a.name)
		checked++
	}
	t.Logf("%d bad settings answers, %d checks", len(badSettingsAnswers), checked)
}

func TestBadListAnswers(t *testing.T) {
	t.Parallel()
	srv := newAnswerServer(t)
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithoutRetries())
	require.NoError(t, err)
	for _, a := range badListAnswers {
		srv.set(a)
		list, err := c.List(context.Background(), Group("acme"))
		require.Error(t, err, a.name)
		assert.Nil(t, list, a.name)
		assert.ErrorIs(t, err, ErrInvalidResponse, a.name)
		assert.Contains(t, err.Error(), a.want, a.name)
	}
}

func TestBadErrorAnswers(t *testing.T) {
	t.Parallel()
	srv := newAnswerServer(t)
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithoutRetries())
	require.NoError(t, err)
	for _, a := range badErrorAnswers {
		srv.set(a.badAnswer)
		_, err := c.Jira.Get(context.Background(), Project("acme/web"))
		var gerr *Error
		require.ErrorAs(t, err, &gerr, a.name)
		assert.Equal(t, a.status, gerr.StatusCode, a.name)
		assert.Equal(t, a.message, gerr.Message, a.name)
		assert.Contains(t, err.Error(), a.want, a.name)
		assert.LessOrEqual(t, len(gerr.Body), maxResponseBytes, "%s: the body kept is bounded", a.name)
		if len(a.body) <= maxResponseBytes {
			assert.Equal(t, a.body, gerr.Body, a.name)
		}
	}
}

// TestBrokenTransfers: answers that break off, or claim an encoding they
// do not have, are errors too.
func TestBrokenTransfers(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "/projects/1/"):
			// Promises 1000 bytes, sends 20, hangs up.
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(`{"id":1,"slug":"slac`))
		case strings.Contains(r.URL.Path, "/projects/2/"):
			// Claims gzip, is not.
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write([]byte(`{"id":1,"slug":"slack"}`))
		}
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithoutRetries())
	require.NoError(t, err)
	_, err = c.Slack.Get(context.Background(), ProjectID(1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reading the answer")
	_, err = c.Slack.Get(context.Background(), ProjectID(2))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gzip")
}
