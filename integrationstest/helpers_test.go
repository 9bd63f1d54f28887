package integrationstest_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// rawAnswer is an answer read by raw, for the tests that check GitLab's
// exact statuses and bodies.
type rawAnswer struct {
	status int
	body   string
	header http.Header
}

// raw sends one request to the server, with its Maintainer token unless
// header says otherwise ("Name: value" strings; "-" alone sends no token).
func raw(t *testing.T, srv *integrationstest.Server, method, path, body string, header ...string) rawAnswer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	withToken := true
	for _, h := range header {
		if h == "-" {
			withToken = false
			continue
		}
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
		if strings.EqualFold(k, "PRIVATE-TOKEN") || strings.EqualFold(k, "JOB-TOKEN") || strings.EqualFold(k, "Authorization") {
			withToken = false
		}
	}
	if withToken {
		req.Header.Set("PRIVATE-TOKEN", srv.Token())
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawAnswer{status: resp.StatusCode, body: string(b), header: resp.Header}
}

// newServer starts a server closed at the end of the test.
func newServer(t *testing.T, opts ...integrationstest.Option) *integrationstest.Server {
	t.Helper()
	srv := integrationstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns an SDK client for srv that does not retry, so that
// every answer reaches the test.
func newClient(t *testing.T, srv *integrationstest.Server, opts ...integrations.ClientOption) *integrations.Client {
	t.Helper()
	c, err := srv.NewClient(append([]integrations.ClientOption{integrations.WithoutRetries()}, opts...)...)
	require.NoError(t, err)
	return c
}

// bodyRewriter is a transport that changes JSON request bodies before they
// leave, so that the SDK can be made to send what its own checks refuse
// and the server's validation answers reach the SDK's error parsing.
type bodyRewriter struct {
	rewrite func(body []byte) []byte
}

func (b bodyRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		data = b.rewrite(data)
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(data))
		r.ContentLength = int64(len(data))
	}
	return http.DefaultTransport.RoundTrip(r)
}
