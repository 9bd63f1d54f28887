package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// hopLog records every request two servers receive, as the line a test
// compares: method, host, path, the headers that redirects copy or drop,
// and the body.
type hopLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *hopLog) record(r *http.Request, server string) {
	body, _ := io.ReadAll(r.Body)
	var hs []string
	for _, k := range []string{"Authorization", "Cookie", "Content-Type", "Private-Token", "Referer", "X-Custom"} {
		if v := r.Header.Get(k); v != "" {
			hs = append(hs, k+"="+strings.ReplaceAll(v, r.Host, "HOST"))
		}
	}
	sort.Strings(hs)
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf("%s %s %s %v %q", server, r.Method, r.URL.RequestURI(), hs, body))
	l.mu.Unlock()
}

func (l *hopLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

// TestFollowMatchesHTTPClient sends the same requests through http.Client.Do
// and through follow, against servers that redirect in every way GitLab or
// a proxy in front of it might, and requires the same hops, the same
// answer and the same error text: follow is a faster http.Client, not a
// different one.
func TestFollowMatchesHTTPClient(t *testing.T) {
	t.Parallel()
	log := &hopLog{}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.record(r, "other")
		_, _ = io.WriteString(w, `{"where":"other"}`)
	}))
	t.Cleanup(other.Close)
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.record(r, "home")
		q := r.URL.Query()
		switch loc := q.Get("to"); {
		case r.URL.Path == "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
			return
		case loc == "other":
			w.Header().Set("Location", other.URL+"/landed")
		case loc == "bad":
			w.Header().Set("Location", "http://[::1")
		case loc == "none":
		case loc != "":
			w.Header().Set("Location", loc)
		default:
			_, _ = io.WriteString(w, `{"where":"home"}`)
			return
		}
		code := http.StatusFound
		_, _ = fmt.Sscan(q.Get("code"), &code)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "moved")
	}))
	t.Cleanup(home.Close)
	// An HTTPS front that sends everything to home: no Referer from https
	// to http.
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.record(r, "secure")
		http.Redirect(w, r, home.URL+"/landed", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(secure.Close)
	transport := secure.Client().Transport

	policies := map[string]func(*http.Request, []*http.Request) error{
		"default": nil,
		"last":    func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		"refuse":  func(*http.Request, []*http.Request) error { return errors.New("not there") },
		// The SDK's own policy, which deliberately differs from
		// http.Client's default (the "default" row): it refuses a PUT or
		// DELETE redirected to "other" or across schemes, and any
		// redirect that turns a PUT or DELETE into a GET. The comparison
		// still holds, because both sides run it: follow must give the
		// same refusals, hops and errors as http.Client under it.
		"tokensafe": TokenSafeRedirects("http", strings.TrimPrefix(home.URL, "http://"), nil),
	}
	type hop struct {
		path   string
		secure bool // sent to the HTTPS front
	}
	var cases []hop
	for _, code := range []int{301, 302, 303, 307, 308} {
		for _, to := range []string{"/landed", "landed-relative", "other", "none", "bad"} {
			cases = append(cases, hop{path: fmt.Sprintf("/start?code=%d&to=%s", code, to)})
		}
	}
	cases = append(cases, hop{path: "/loop"}, hop{path: "/plain"}, hop{path: "/via-https", secure: true})

	for name, policy := range policies {
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			for _, tc := range cases {
				t.Run(name+" "+method+" "+tc.path, func(t *testing.T) {
					send := func(do func(*http.Client, *http.Request) (*http.Response, error)) (string, []string) {
						var body io.Reader
						if method == http.MethodPut {
							body = bytes.NewReader([]byte(`{"webhook":"secret"}`))
						}
						start := home.URL
						if tc.secure {
							start = secure.URL
						}
						req, err := http.NewRequest(method, start+tc.path, body)
						require.NoError(t, err)
						req.Header.Set("Authorization", "Bearer tok")
						req.Header.Set("Private-Token", "tok")
						req.Header.Set("Cookie", "a=b")
						req.Header.Set("X-Custom", "kept")
						if body != nil {
							req.Header.Set("Content-Type", "application/json")
						}
						hc := &http.Client{Transport: transport, CheckRedirect: policy}
						resp, err := do(hc, req)
						out := fmt.Sprintf("err=%v", err)
						if resp != nil {
							b, _ := io.ReadAll(resp.Body)
							_ = resp.Body.Close()
							out += fmt.Sprintf(" status=%d body=%q", resp.StatusCode, b)
						}
						out = strings.NewReplacer(home.URL, "HOME", other.URL, "OTHER", secure.URL, "SECURE").Replace(out)
						return out, log.take()
					}
					wantOut, wantHops := send((*http.Client).Do)
					gotOut, gotHops := send(follow)
					require.Equal(t, wantOut, gotOut)
					require.Equal(t, wantHops, gotHops)
				})
			}
		}
	}
}

// TestSendHTTPLeavesJarAndTimeoutToTheClient: a caller's client with a
// cookie jar or a Timeout goes through its own Do, which owns them.
func TestSendHTTPLeavesJarAndTimeoutToTheClient(t *testing.T) {
	t.Parallel()
	var through []string
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		through = append(through, r.URL.Path)
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	req, err := http.NewRequest(http.MethodGet, "http://gitlab.test/x", nil)
	require.NoError(t, err)
	_, err = Send(&http.Client{Transport: rt, Timeout: 1e9}, req)
	require.NoError(t, err)
	// http.Client.Timeout wraps the body in a cancelling reader: Do ran.
	resp, err := Send(&http.Client{Transport: rt, Timeout: 1e9}, req)
	require.NoError(t, err)
	require.NotEqual(t, http.NoBody, resp.Body, "Do with a Timeout wraps the body")
	resp, err = Send(&http.Client{Transport: rt}, req)
	require.NoError(t, err)
	require.Equal(t, http.NoBody, resp.Body, "follow hands the transport's body on")
	require.Equal(t, []string{"/x", "/x", "/x"}, through)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
