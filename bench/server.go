package bench

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/gitlabkit/integrations/integrationstest"
)

// countingServer serves an integrationstest GitLab on loopback and counts
// what the measurements report: TCP connections accepted, requests, and
// 429 answers.
type countingServer struct {
	gitlab   *integrationstest.Server
	http     *httptest.Server
	conns    atomic.Int64
	requests atomic.Int64
	tooMany  atomic.Int64
}

// newCountingServer starts an in-memory GitLab (the integrationstest server,
// mounted in an httptest server whose connections can be counted) with
// projects bench/p0000, bench/p0001, … for the calls to configure.
func newCountingServer(projects int, opts ...integrationstest.Option) (*countingServer, error) {
	// The request log is not needed and would cost the server time.
	opts = append([]integrationstest.Option{integrationstest.WithToken(Token), integrationstest.WithRequestLogLimit(0)}, opts...)
	gl, err := integrationstest.Start(opts...)
	if err != nil {
		return nil, err
	}
	for i := range projects {
		if gl.AddProject(projectName(i)) == 0 {
			gl.Close()
			return nil, fmt.Errorf("integrationstest refused project %s", projectName(i))
		}
	}
	s := &countingServer{gitlab: gl}
	s.http = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		gl.ServeHTTP(&statusCounter{ResponseWriter: w, tooMany: &s.tooMany}, r)
	}))
	s.http.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.http.Start()
	return s, nil
}

// URL is the server's root, for WithBaseURL.
func (s *countingServer) URL() string { return s.http.URL }

// reset closes every client connection and zeroes the counters, so that
// the next measurement counts only its own.
func (s *countingServer) reset() {
	s.http.CloseClientConnections()
	s.conns.Store(0)
	s.requests.Store(0)
	s.tooMany.Store(0)
}

func (s *countingServer) Close() {
	s.http.Close()
	s.gitlab.Close()
}

func projectName(i int) string { return fmt.Sprintf("bench/p%04d", i) }

// statusCounter counts the 429 answers written through it.
type statusCounter struct {
	http.ResponseWriter
	tooMany *atomic.Int64
}

func (w *statusCounter) WriteHeader(status int) {
	if status == http.StatusTooManyRequests {
		w.tooMany.Add(1)
	}
	w.ResponseWriter.WriteHeader(status)
}
