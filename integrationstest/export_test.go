package integrationstest

import "time"

// NewServerWithClock starts a server whose rate limiter reads the time from
// now, so that tests decide which window each request falls in.
func NewServerWithClock(now func() time.Time, opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := newServer(cfg)
	s.now = now
	if err := s.listen(); err != nil {
		panic(err)
	}
	return s
}

// LogBytes is what the request log holds, by its own count.
func (s *Server) LogBytes() int {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return s.log.bytes
}
