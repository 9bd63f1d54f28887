package bench

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gitlabkit/integrations"
)

// Hostile503Result is one call answered three times (two retries) with a
// 503 whose body is 2 GiB: what the client read from the network and
// allocated in all.
type Hostile503Result struct {
	Name                 string
	Attempts             int64
	ReadBytes, Allocated int64
}

// MeasureHostile503 measures a Slack Get against a server that answers
// every request 503 with a 2 GiB body, its length declared or chunked.
func MeasureHostile503(ctx context.Context) ([]Hostile503Result, error) {
	var out []Hostile503Result
	for _, declared := range []bool{true, false} {
		r, err := measureHostile503(ctx, declared)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

type readCounter struct {
	net.Conn
	n *atomic.Int64
}

func (c readCounter) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func measureHostile503(ctx context.Context, declared bool) (Hostile503Result, error) {
	var requests, read atomic.Int64
	chunk := bytes.Repeat([]byte(`{"message":"`), 32<<10/12)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if declared {
			w.Header().Set("Content-Length", strconv.Itoa(2<<30))
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		for sent := 0; sent < 2<<30; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	dialer := &net.Dialer{}
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return readCounter{Conn: conn, n: &read}, nil
	}}
	defer transport.CloseIdleConnections()
	c, err := integrations.NewClient(Token, integrations.WithBaseURL(srv.URL), integrations.WithRetries(2, time.Millisecond, time.Millisecond),
		integrations.WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		return Hostile503Result{}, err
	}
	// A first call, not measured: the pools a process fills once.
	_, _ = c.Slack.Get(ctx, integrations.ProjectID(1))
	requests.Store(0)
	read.Store(0)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = c.Slack.Get(ctx, integrations.ProjectID(1))
	runtime.ReadMemStats(&after)
	var e *integrations.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusServiceUnavailable {
		return Hostile503Result{}, errors.New("hostile 503: the call did not fail with the 503: " + errText(err))
	}
	name := map[bool]string{true: "Content-Length 2 GiB", false: "chunked 2 GiB"}[declared]
	return Hostile503Result{Name: name, Attempts: requests.Load(), ReadBytes: read.Load(), Allocated: int64(after.TotalAlloc - before.TotalAlloc)}, nil
}

func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}
