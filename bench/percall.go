package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Transports the per-call benchmarks run over.
const (
	// Memory answers in process (memoryTransport): the client's own cost.
	Memory = "memory"
	// Loopback answers over TCP on 127.0.0.1 (httptest): the cost a real
	// call adds, server included.
	Loopback = "loopback"
)

// Calls measured per call, in table order.
const (
	SlackGet = "Slack Get"
	SlackSet = "Slack Set"
	JiraSet  = "Jira Set"
)

// benchProject is the project every per-call benchmark acts on.
const benchProject = "acme/web"

// PerCallCase is one per-call benchmark: one call of one contender over
// one transport.
type PerCallCase struct {
	Transport, Call, Contender string
	// Run is the benchmark (b.Loop, allocations reported).
	Run func(b *testing.B)
}

// Name is the case's sub-benchmark name, such as memory/SlackGet/SDK.
func (c PerCallCase) Name() string {
	return c.Transport + "/" + strings.ReplaceAll(c.Call, " ", "") + "/" + c.Contender
}

// PerCallCases returns every per-call benchmark: the three calls of the
// floor, the SDK and client-go, in memory and over loopback. Call stop
// when done: it closes the loopback server.
func PerCallCases() (cases []PerCallCase, stop func(), err error) {
	mem := newMemoryClient()
	memory, err := newContenders("https://gitlab.example.com", mem, mem, mem)
	if err != nil {
		return nil, nil, err
	}
	srv := NewLoopbackServer()
	// Over loopback each contender uses the HTTP client it has by default:
	// the SDK's and client-go's own; for the floor, the same settings as
	// the SDK's default (pooled transport, 2-minute timeout).
	loopback, err := newContenders(srv.URL, FloorHTTPClient(), nil, nil)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	for _, set := range []struct {
		transport  string
		contenders []*Contender
	}{{Memory, memory}, {Loopback, loopback}} {
		for _, call := range []string{SlackGet, SlackSet, JiraSet} {
			for _, c := range set.contenders {
				cases = append(cases, PerCallCase{
					Transport: set.transport, Call: call, Contender: c.Name,
					Run: loop(c.call(call)),
				})
			}
		}
	}
	return cases, srv.Close, nil
}

// newContenders builds the floor, the SDK and client-go against baseURL,
// each with its HTTP client (nil: the library's default).
func newContenders(baseURL string, floorHC, sdkHC, clientGoHC *http.Client) ([]*Contender, error) {
	sdk, err := NewSDK(baseURL, sdkHC)
	if err != nil {
		return nil, err
	}
	cg, err := NewClientGo(baseURL, clientGoHC)
	if err != nil {
		return nil, err
	}
	return []*Contender{NewFloor(baseURL, floorHC), sdk, cg}, nil
}

func loop(call func(context.Context, string) error) func(b *testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if err := call(ctx, benchProject); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// FloorHTTPClient is the floor's HTTP client on a network: the settings
// the SDK uses by default (idle connections kept for many goroutines, a
// 2-minute timeout), so that the comparison is of the code, not the pool.
func FloorHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t, Timeout: 2 * time.Minute}
}

// NewLoopbackServer serves the canned answers over TCP on 127.0.0.1.
func NewLoopbackServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		answer, ok := answerFor(r.URL.Path)
		h := w.Header()
		for k, v := range answer.header {
			h[k] = v
		}
		if !ok {
			w.WriteHeader(http.StatusNotFound)
		}
		_, _ = w.Write(answer.body)
	}))
}
