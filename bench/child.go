package bench

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The loopback measurements run their server in a child process (the same
// binary, started again with childEnv set), so that what the benchmark
// process counts (allocations, CPU time from getrusage) is the client's
// alone: an in-process server's allocations and CPU would be mixed in with
// the client's, and they are most of a loopback call's.
const childEnv = "GITLABKIT_BENCH_CHILD"

// ServeIfChild turns the process into a bench server when it was started
// as one, and then never returns. Every binary that measures over loopback
// calls it first: cmd/benchtable's main and this package's TestMain.
func ServeIfChild() {
	kind := os.Getenv(childEnv)
	if kind == "" {
		return
	}
	if err := serveChild(kind, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveChild serves until in ends, answering one command a line on out:
// "reset" (close client connections, zero the counters) and "stats" (the
// counters and the process's CPU time).
func serveChild(kind string, in io.Reader, out io.Writer) error {
	var (
		urls  []string
		reset = func() {}
		stats = func() string { return "" }
		stop  = func() {}
	)
	switch {
	case kind == "canned":
		// Two servers of the canned answers: one that gives each answer's
		// Content-Length, one that sends it chunked (an unknown length).
		for _, chunked := range []bool{false, true} {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: cannedHandler(chunked), ReadHeaderTimeout: time.Minute}
			go func() { _ = srv.Serve(l) }()
			urls = append(urls, "http://"+l.Addr().String())
		}
	case strings.HasPrefix(kind, "gitlab:"):
		projects, err := strconv.Atoi(strings.TrimPrefix(kind, "gitlab:"))
		if err != nil {
			return err
		}
		srv, err := newCountingServer(projects)
		if err != nil {
			return err
		}
		urls, reset, stop = []string{srv.URL()}, srv.reset, srv.Close
		stats = func() string {
			return fmt.Sprintf("%d %d %d", srv.conns.Load(), srv.requests.Load(), srv.tooMany.Load())
		}
	default:
		return fmt.Errorf("unknown child server %q", kind)
	}
	defer stop()
	if _, err := fmt.Fprintln(out, strings.Join(urls, " ")); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var reply string
		switch sc.Text() {
		case "reset":
			reset()
		case "stats":
			reply = stats() + " " + strconv.FormatInt(int64(cpuTime()), 10)
		}
		if _, err := fmt.Fprintln(out, reply); err != nil {
			return err
		}
	}
	return nil
}

// cannedHandler serves the canned answers, with their Content-Length or
// chunked.
func cannedHandler(chunked bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		answer, ok := answerFor(r.URL.Path)
		h := w.Header()
		header := answer.header
		if chunked {
			header = answer.headerNoLength
		}
		for k, v := range header {
			h[k] = v
		}
		if !ok {
			w.WriteHeader(http.StatusNotFound)
		}
		if chunked {
			// A flush before the body makes net/http send it chunked.
			w.(http.Flusher).Flush()
		}
		_, _ = w.Write(answer.body)
	})
}

// childServer is a server running in a child process.
type childServer struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	URLs []string
}

// startChild starts a child server of the given kind: "canned" (URLs: the
// exact-length and the chunked server) or "gitlab:N" (integrationstest
// with N projects, counting connections).
func startChild(kind string) (*childServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-test.run=^$") // a test binary must not run its tests
	cmd.Env = append(os.Environ(), childEnv+"="+kind)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &childServer{cmd: cmd, in: in, out: bufio.NewReader(outPipe)}
	line, err := c.out.ReadString('\n')
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("the child server did not start: %w", err)
	}
	c.URLs = strings.Fields(line)
	return c, nil
}

// command sends one command and returns the reply's fields.
func (c *childServer) command(cmd string) ([]int64, error) {
	if _, err := fmt.Fprintln(c.in, cmd); err != nil {
		return nil, err
	}
	line, err := c.out.ReadString('\n')
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, f := range strings.Fields(line) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// Close ends the child (its stdin closes, it exits) and waits for it.
func (c *childServer) Close() {
	_ = c.in.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
