package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// NewLimit returns the limit contender: one http.Client round trip with the
// floor's method, URL, headers and body bytes, and the answer's body read
// into a reused buffer; nothing is encoded (the bodies are encoded once,
// here) and nothing decoded. No client that sends the request through
// net/http and reads the answer can do less, so the SDK's distance to this
// row is what it could still save.
func NewLimit(baseURL string, hc *http.Client) (*Contender, error) {
	base := strings.TrimRight(baseURL, "/") + "/api/v4/projects/"
	slackBody, err := json.Marshal(floorSlackSettings)
	if err != nil {
		return nil, err
	}
	jiraBody, err := json.Marshal(floorJiraSettings)
	if err != nil {
		return nil, err
	}
	// The header maps are built once and only read: http.Client copies a
	// request's header before it changes anything.
	getHeader := http.Header{"Accept": {"application/json"}, "User-Agent": {"limit/1"}, "Private-Token": {Token}}
	putHeader := getHeader.Clone()
	putHeader["Content-Type"] = []string{"application/json"}
	bufs := sync.Pool{New: func() any { return new(bytes.Buffer) }}
	call := func(ctx context.Context, method, project, rest string, body []byte) (int, error) {
		var r io.Reader
		h := getHeader
		if body != nil {
			r, h = bytes.NewReader(body), putHeader
		}
		req, err := http.NewRequestWithContext(ctx, method, base+url.PathEscape(project)+rest, r)
		if err != nil {
			return 0, err
		}
		req.Header = h
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		buf := bufs.Get().(*bytes.Buffer)
		defer bufs.Put(buf)
		buf.Reset()
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("%s %s: %s", method, req.URL.Redacted(), resp.Status)
		}
		return buf.Len(), nil
	}
	check := func(n int, err error) error {
		if err == nil && n == 0 {
			err = errWrongAnswer
		}
		return err
	}
	return &Contender{
		Name: Limit,
		SlackGet: func(ctx context.Context, project string) error {
			return check(call(ctx, http.MethodGet, project, "/integrations/slack", nil))
		},
		SlackSet: func(ctx context.Context, project string) error {
			return check(call(ctx, http.MethodPut, project, "/integrations/slack", slackBody))
		},
		JiraSet: func(ctx context.Context, project string) error {
			return check(call(ctx, http.MethodPut, project, "/integrations/jira", jiraBody))
		},
		List: func(ctx context.Context, project string) error {
			return check(call(ctx, http.MethodGet, project, "/integrations", nil))
		},
	}, nil
}
