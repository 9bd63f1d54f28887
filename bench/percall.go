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
	List     = "List"
)

// PerCallCalls are the calls measured per call, in table order.
var PerCallCalls = []string{SlackGet, SlackSet, JiraSet, List}

// benchProject is the project every per-call benchmark acts on.
const benchProject = "acme/web"

// PerCallCase is one per-call benchmark: one call of one contender over
// one transport, the answer giving its length one way.
type PerCallCase struct {
	Transport, Call, Length, Contender string
	// Run is the benchmark (b.Loop, allocations reported).
	Run func(b *testing.B)
}

// Name is the case's sub-benchmark name, such as memory/SlackGet/exact/SDK.
func (c PerCallCase) Name() string {
	return c.Transport + "/" + strings.ReplaceAll(c.Call, " ", "") + "/" + c.Length + "/" + c.Contender
}

// PerCallCases returns every per-call benchmark: each call of the limit,
// the floor, the SDK and client-go, in memory for the three length modes
// and over loopback for an exact and an unknown (chunked) length: an HTTP
// answer cannot say its length is 0 and then send a body. The loopback
// server runs in a child process, so the allocations counted are the
// client's alone. Call stop when done: it ends the child.
func PerCallCases() (cases []PerCallCase, stop func(), err error) {
	add := func(transport, length string, contenders []*Contender) {
		for _, call := range PerCallCalls {
			for _, c := range contenders {
				cases = append(cases, PerCallCase{
					Transport: transport, Call: call, Length: length, Contender: c.Name,
					Run: loop(c.call(call)),
				})
			}
		}
	}
	for _, length := range []string{LengthExact, LengthZero, LengthUnknown} {
		mem := newMemoryClient(length)
		memory, err := newContenders("https://gitlab.example.com", mem, mem, mem, mem)
		if err != nil {
			return nil, nil, err
		}
		add(Memory, length, memory)
	}
	child, err := startChild("canned")
	if err != nil {
		return nil, nil, err
	}
	// Over loopback each contender uses the HTTP client it has by default:
	// the SDK's and client-go's own; for the floor, the same settings as
	// the SDK's default (pooled transport, 2-minute timeout); for the
	// limit, the same pool and no timeout.
	for i, length := range []string{LengthExact, LengthUnknown} {
		loopback, err := newContenders(child.URLs[i], LimitHTTPClient(), FloorHTTPClient(), nil, nil)
		if err != nil {
			child.Close()
			return nil, nil, err
		}
		add(Loopback, length, loopback)
	}
	return cases, child.Close, nil
}

// newContenders builds the limit, the floor, the SDK and client-go against
// baseURL, each with its HTTP client (nil: the library's default).
func newContenders(baseURL string, limitHC, floorHC, sdkHC, clientGoHC *http.Client) ([]*Contender, error) {
	limit, err := NewLimit(baseURL, limitHC)
	if err != nil {
		return nil, err
	}
	sdk, err := NewSDK(baseURL, sdkHC)
	if err != nil {
		return nil, err
	}
	cg, err := NewClientGo(baseURL, clientGoHC)
	if err != nil {
		return nil, err
	}
	return []*Contender{limit, NewFloor(baseURL, floorHC), sdk, cg}, nil
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

// LimitHTTPClient is the limit's HTTP client on a network: the floor's
// pool, without a timeout (http.Client.Timeout costs allocations).
func LimitHTTPClient() *http.Client {
	return &http.Client{Transport: FloorHTTPClient().Transport}
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
