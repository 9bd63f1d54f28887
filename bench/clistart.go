package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// StartResult is the median wall time of starting a binary and running
// one command to its end.
type StartResult struct {
	Name   string
	Median time.Duration
	// CPU is the median user and system time of the process: less
	// sensitive than the wall time to a machine shared with others.
	CPU time.Duration
}

// helloWorld is the program the CLI's start is compared with.
const helloWorld = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello, world\") }\n"

// MeasureCLIStart builds the CLI (../cmd/gitlab-integrations, from the
// bench module's directory) and a hello-world program the same way (go
// build, default flags), then runs `version`, `catalog` and the hello
// world runs times each, returning their median wall times.
func MeasureCLIStart(runs int) ([]StartResult, error) {
	dir, err := os.MkdirTemp("", "cli-start")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cli := filepath.Join(dir, "gitlab-integrations")
	build := exec.Command("go", "build", "-o", cli, "./cmd/gitlab-integrations")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the CLI: %v: %s", err, out)
	}
	hello := filepath.Join(dir, "hello")
	helloDir := filepath.Join(dir, "hellosrc")
	if err := os.MkdirAll(helloDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(helloDir, "main.go"), []byte(helloWorld), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(helloDir, "go.mod"), []byte("module hello\n\ngo 1.26\n"), 0o644); err != nil {
		return nil, err
	}
	build = exec.Command("go", "build", "-o", hello, ".")
	build.Dir = helloDir
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building hello world: %v: %s", err, out)
	}
	var out []StartResult
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"hello world", []string{hello}},
		{"gitlab-integrations version", []string{cli, "version"}},
		{"gitlab-integrations catalog", []string{cli, "catalog"}},
	} {
		times, cpu := make([]time.Duration, 0, runs), make([]time.Duration, 0, runs)
		for range runs {
			cmd := exec.Command(c.argv[0], c.argv[1:]...)
			cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
			start := time.Now()
			if err := cmd.Run(); err != nil {
				return nil, fmt.Errorf("%s: %w", c.name, err)
			}
			times = append(times, time.Since(start))
			cpu = append(cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
		}
		slices.Sort(times)
		slices.Sort(cpu)
		out = append(out, StartResult{Name: c.name, Median: times[len(times)/2], CPU: cpu[len(cpu)/2]})
	}
	return out, nil
}
