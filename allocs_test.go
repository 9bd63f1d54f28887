package integrations

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// lengthTransport answers every request with body, giving its length as
// length says (its size, 0, or -1 for unknown), at the cost of the three
// allocations any transport makes: the response, its body and a reader.
type lengthTransport struct {
	body   []byte
	length int64 // -2: the body's size
	header http.Header
}

func (t lengthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	n := t.length
	if n == -2 {
		n = int64(len(t.body))
	}
	return &http.Response{StatusCode: http.StatusOK, Header: t.header, ContentLength: n,
		Body: io.NopCloser(bytes.NewReader(t.body)), Request: req}, nil
}

// TestCallAllocations pins the allocations of a call's hot path, whatever
// the answer's length: a change that adds one fails here. The bounds count
// the SDK's and net/http's (http.Client.Do copies the request's header
// and keeps the requests it made: 5) and the canned transport's 3.
func TestCallAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	slack := []byte(`{"id":1,"title":"Slack notifications","slug":"slack","created_at":"2024-03-11T09:12:44.310Z",` +
		`"updated_at":"2025-01-08T16:40:02.118Z","active":true,"push_events":true,` +
		`"properties":{"username":"GitLab","channel":"#deploys","notify_only_broken_pipelines":true,` +
		`"branches_to_be_notified":"default_and_protected","push_channel":"#pushes"}}`)
	jira := []byte(`{"id":2,"title":"Jira issues","slug":"jira","created_at":"2023-10-02T14:03:19.552Z",` +
		`"active":true,"properties":{"url":"https://acme.atlassian.net","jira_auth_type":1,` +
		`"issues_enabled":true,"project_keys":["WEB","OPS"],"project_key":"WEB"}}`)
	var list []byte
	for i := range 49 {
		if i > 0 {
			list = append(list, ',')
		}
		list = fmt.Appendf(list, `{"id":%d,"title":"Integration %d","slug":"i%d","created_at":"2024-03-11T09:12:44.310Z",`+
			`"updated_at":"2025-01-08T16:40:02.118Z","active":true,"push_events":true,"inherited":false}`, i, i, i)
	}
	list = append(append([]byte("["), list...), ']')
	header := http.Header{"Content-Type": {"application/json"}}
	ctx := context.Background()
	scope := Project("acme/web")
	for _, length := range []struct {
		name string
		n    int64
	}{{"exact", -2}, {"zero", 0}, {"unknown", -1}} {
		client := func(body []byte) *Client {
			c, err := NewClient(relToken, WithBaseURL("https://gitlab.example.com"),
				WithHTTPClient(&http.Client{Transport: lengthTransport{body, length.n, header}}))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		sc, jc, lc := client(slack), client(jira), client(list)
		slackOpts := &SlackOptions{Webhook: "https://hooks.slack.com/services/T/B/X", Channel: Ptr("#deploys"), PushEvents: Ptr(true)}
		jiraOpts := &JiraOptions{URL: "https://acme.atlassian.net", Password: "secret", ProjectKeys: []string{"WEB", "OPS"}}
		for _, call := range []struct {
			name string
			max  float64
			run  func() error
		}{
			{"Slack Get", 15, func() error { _, err := sc.Slack.Get(ctx, scope); return err }},
			{"Slack Set", 17, func() error { _, err := sc.Slack.Set(ctx, scope, slackOpts); return err }},
			{"Jira Set", 19, func() error { _, err := jc.Jira.Set(ctx, scope, jiraOpts); return err }},
			// Each element decoded once, into one array: no allocation
			// per element.
			{"List of 49", 17, func() error { _, err := lc.List(ctx, scope); return err }},
		} {
			if err := call.run(); err != nil {
				t.Fatalf("%s, %s length: %v", call.name, length.name, err)
			}
			got := testing.AllocsPerRun(200, func() { _ = call.run() })
			t.Logf("%s, %s length: %.0f allocations", call.name, length.name, got)
			if got > call.max {
				t.Errorf("%s, %s length: %.0f allocations a call, want at most %.0f", call.name, length.name, got, call.max)
			}
		}
	}
}

// TestRawPropertiesAreTheCallsOwn: RawProperties shares the bytes the SDK
// read for the call and nothing else: changing them changes no other
// call's answer, and no string decoded from the same answer.
func TestRawPropertiesAreTheCallsOwn(t *testing.T) {
	body := []byte(`{"id":1,"slug":"slack","title":"Slack","properties":{"channel":"#deploys"}}`)
	c, err := NewClient(relToken, WithBaseURL("https://gitlab.example.com"),
		WithHTTPClient(&http.Client{Transport: lengthTransport{body, -1, http.Header{"Content-Type": {"application/json"}}}}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := c.Slack.Get(ctx, Project("acme/web"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range first.RawProperties {
		first.RawProperties[i] = 'x'
	}
	second, err := c.Slack.Get(ctx, Project("acme/web"))
	if err != nil {
		t.Fatal(err)
	}
	if string(second.RawProperties) != `{"channel":"#deploys"}` {
		t.Errorf("the second call's RawProperties: %s", second.RawProperties)
	}
	if first.Properties.Channel != "#deploys" || first.Slug != "slack" {
		t.Errorf("decoded strings changed with RawProperties: %q %q", first.Properties.Channel, first.Slug)
	}
	if string(body) != `{"id":1,"slug":"slack","title":"Slack","properties":{"channel":"#deploys"}}` {
		t.Errorf("the transport's bytes changed: %s", body)
	}
}
