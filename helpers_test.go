package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"
)

// serviceCase reaches one integration's service through its typed methods;
// services_gen_test.go holds one for every integration.
type serviceCase struct {
	slug       string
	newOptions func() any
	set        func(ctx context.Context, c *Client, s Scope, o any) (any, error)
	get        func(ctx context.Context, c *Client, s Scope) (any, error)
	del        func(ctx context.Context, c *Client, s Scope) error
}

// fakeBaseURL is the GitLab server the table tests talk to, through httpmock.
const fakeBaseURL = "https://gitlab.example.com"

// fakeToken is the token the table tests authenticate with; no output of the
// SDK may contain it.
const fakeToken = "glpat-s3cr3t-T0KEN-value"

// sentRequest is one request as it reached the transport.
type sentRequest struct {
	Method string
	URL    string // req.URL.String(): the escaped form that went on the wire
	Header http.Header
	Body   []byte
}

// fakeGitLab is an httpmock transport that records every request, answered
// or not, so that a test can assert both what was sent and that nothing was.
// Each test builds its own, which keeps t.Parallel safe.
type fakeGitLab struct {
	t  testing.TB
	mt *httpmock.MockTransport

	mu   sync.Mutex
	sent []sentRequest
}

func newFakeGitLab(t testing.TB) *fakeGitLab {
	f := &fakeGitLab{t: t, mt: httpmock.NewMockTransport()}
	f.mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		f.record(req)
		return httpmock.NewStringResponse(http.StatusTeapot, `{"message":"no responder for `+req.Method+" "+req.URL.String()+`"}`), nil
	})
	return f
}

func (f *fakeGitLab) record(req *http.Request) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	f.mu.Lock()
	f.sent = append(f.sent, sentRequest{Method: req.Method, URL: req.URL.String(), Header: req.Header.Clone(), Body: body})
	f.mu.Unlock()
}

// on answers method and the exact URL (escaping included: httpmock compares
// the URL string) with status and body.
func (f *fakeGitLab) on(method, url string, status int, body string) {
	f.onFunc(method, url, func(*http.Request) (int, http.Header, string) { return status, nil, body })
}

// onFunc answers method and url with what reply returns for each request.
func (f *fakeGitLab) onFunc(method, url string, reply func(*http.Request) (int, http.Header, string)) {
	f.mt.RegisterResponder(method, url, func(req *http.Request) (*http.Response, error) {
		f.record(req)
		status, header, body := reply(req)
		resp := httpmock.NewStringResponse(status, body)
		if body != "" {
			resp.Header.Set("Content-Type", "application/json")
		}
		for k, vs := range header {
			resp.Header[k] = vs
		}
		return resp, nil
	})
}

// requests returns what was sent so far and forgets it.
func (f *fakeGitLab) requests() []sentRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.sent
	f.sent = nil
	return out
}

// client returns a Client that talks to the fake, never retries, and
// authenticates with fakeToken; opts come after and may override.
func (f *fakeGitLab) client(opts ...ClientOption) *Client {
	f.t.Helper()
	all := append([]ClientOption{
		WithBaseURL(fakeBaseURL),
		WithHTTPClient(&http.Client{Transport: f.mt}),
		WithoutRetries(),
	}, opts...)
	c, err := NewClient(fakeToken, all...)
	require.NoError(f.t, err)
	return c
}

// catalogEntry returns the catalog metadata of slug.
func catalogEntry(t testing.TB, slug string) IntegrationInfo {
	t.Helper()
	info, ok := Lookup(slug)
	require.True(t, ok, "Lookup(%q)", slug)
	return info
}

// serviceFor returns the generated test case of slug.
func serviceFor(t testing.TB, slug string) serviceCase {
	t.Helper()
	for _, sc := range generatedServices {
		if sc.slug == slug {
			return sc
		}
	}
	t.Fatalf("no generated service case for %q", slug)
	return serviceCase{}
}

// fixtureBytes reads testdata/responses/<slug>.json, the generated GET answer.
func fixtureBytes(t testing.TB, slug string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "responses", slug+".json"))
	require.NoError(t, err)
	return data
}

// fixtureMap decodes a fixture keeping numbers as json.Number.
func fixtureMap(t testing.TB, slug string) map[string]any {
	t.Helper()
	return decodeJSONObject(t, fixtureBytes(t, slug))
}

func decodeJSONObject(t testing.TB, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m), "decoding %s", data)
	return m
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// jsonName is the JSON key of a struct field ("" for none).
func jsonName(sf reflect.StructField) string {
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// settingsParts splits the *Settings[P] a generated get or set returns into
// its common part, its properties struct and its raw properties.
func settingsParts(t testing.TB, settings any) (Integration, reflect.Value, json.RawMessage) {
	t.Helper()
	rv := reflect.ValueOf(settings)
	require.Equal(t, reflect.Pointer, rv.Kind(), "want *Settings[P], got %T", settings)
	require.False(t, rv.IsNil(), "nil %T", settings)
	rv = rv.Elem()
	integ, ok := rv.FieldByName("Integration").Interface().(Integration)
	require.True(t, ok, "%T has no Integration", settings)
	raw, ok := rv.FieldByName("RawProperties").Interface().(json.RawMessage)
	require.True(t, ok, "%T has no RawProperties", settings)
	props := rv.FieldByName("Properties")
	require.True(t, props.IsValid(), "%T has no Properties", settings)
	return integ, props, raw
}

// scopeCase is one way of naming where a call acts, with the escaped path
// segment the request must carry.
type scopeCase struct {
	name  string
	scope Scope
	path  string // after /api/v4
}

// projectScopes and groupScopes name a project and a group by path (with a
// dot and a slash, which must both be escaped) and by ID.
var (
	projectScopes = []scopeCase{
		{"project path", Project("acme/web.site"), "/projects/acme%2Fweb%2Esite"},
		{"project ID", ProjectID(42), "/projects/42"},
	}
	groupScopes = []scopeCase{
		{"group path", Group("acme/platform.team"), "/groups/acme%2Fplatform%2Eteam"},
		{"group ID", GroupID(7), "/groups/7"},
	}
)
