package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gitlabkit/integrations/integrationstest"
)

// binary is the tool, built once for every test.
var binary string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gitlab-integrations-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "gitlab-integrations")
	// -buildvcs=auto: a build in a clone records its commit, as a
	// user's does, whatever GOFLAGS says.
	build := exec.Command("go", "build", "-buildvcs=auto", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the tool:", err)
		return 1
	}
	return m.Run()
}

// sentinel is a secret the tests send; no output may ever hold it.
const sentinel = "https://hooks.slack.com/services/T000/B000/SENTINEL-s3cr3t-6f1d"

// secretsSeen collects every secret a test used, checked in every output.
var secretsSeen = struct {
	sync.Mutex
	values []string
}{values: []string{sentinel}}

// addSecret makes every later run check that s never appears in output.
func addSecret(s string) {
	secretsSeen.Lock()
	defer secretsSeen.Unlock()
	secretsSeen.values = append(secretsSeen.values, s)
}

// result is what one run of the tool did.
type result struct {
	stdout, stderr string
	code           int
}

// env is a server's connection, as GITLAB_URL and GITLAB_TOKEN.
func env(srv *integrationstest.Server) []string {
	addSecret(srv.Token())
	return []string{"GITLAB_URL=" + srv.URL(), "GITLAB_TOKEN=" + srv.Token()}
}

// cli runs the tool with the environment extra (beside PATH and HOME only)
// and checks that no secret is in its output.
func cli(t *testing.T, extra []string, args ...string) result {
	t.Helper()
	return cliIn(t, extra, "", args...)
}

func cliIn(t *testing.T, extra []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, extra...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running %v: %v", args, err)
	}
	checkNoSecret(t, args, r.stdout+r.stderr)
	return r
}

func checkNoSecret(t *testing.T, args []string, output string) {
	t.Helper()
	secretsSeen.Lock()
	defer secretsSeen.Unlock()
	for _, s := range secretsSeen.values {
		if s != "" && strings.Contains(output, s) {
			t.Errorf("%v: the output holds the secret %q:\n%s", args, s, output)
		}
	}
}

// ok fails the test unless the run exited 0 with nothing on stderr.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s\nstdout:\n%s", r.code, r.stderr, r.stdout)
	}
	return r
}

// fails checks the exit code and that stderr is one problem a line, each
// line starting "gitlab-integrations: ", and holds want.
func (r result) fails(t *testing.T, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d; stderr:\n%s\nstdout:\n%s", r.code, code, r.stderr, r.stdout)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "gitlab-integrations: ") {
			t.Errorf("stderr has a line not starting gitlab-integrations: %q", r.stderr)
			break
		}
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q does not hold %q", r.stderr, want)
	}
}

func decodeJSON[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("output is not the JSON expected: %v\n%s", err, s)
	}
	return v
}

func decodeYAML[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	dec := yaml.NewDecoder(strings.NewReader(s))
	dec.KnownFields(true)
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("output is not the YAML expected: %v\n%s", err, s)
	}
	return v
}

func decodeCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, s)
	}
	return rows
}

// newServer starts an in-memory GitLab with the group acme and the
// projects given.
func newServer(t *testing.T, projects ...string) *integrationstest.Server {
	t.Helper()
	srv := integrationstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddGroup("acme")
	for _, p := range projects {
		if srv.AddProject(p) == 0 {
			t.Fatalf("AddProject(%q) failed", p)
		}
	}
	return srv
}

// methods counts the requests srv received by method.
func methods(srv *integrationstest.Server) map[string]int {
	out := map[string]int{}
	for _, r := range srv.Requests() {
		out[r.Method]++
	}
	return out
}
