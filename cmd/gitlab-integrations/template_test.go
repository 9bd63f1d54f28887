package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// componentPath is the CI/CD component of the repository.
const componentPath = "../../templates/gitlab-integrations.yml"

// componentInput is one input of the component's spec header.
type componentInput struct {
	Description string  `yaml:"description"`
	Default     *string `yaml:"default"`
}

// ciJob is what the tests read of a job of the component.
type ciJob struct {
	Extends       string                `yaml:"extends"`
	Image         string                `yaml:"image"`
	Stage         string                `yaml:"stage"`
	Variables     map[string]string     `yaml:"variables"`
	Rules         []struct{ If string } `yaml:"rules"`
	BeforeScript  []string              `yaml:"before_script"`
	Script        []string              `yaml:"script"`
	ResourceGroup string                `yaml:"resource_group"`
	Artifacts     struct {
		When     string   `yaml:"when"`
		Paths    []string `yaml:"paths"`
		ExpireIn string   `yaml:"expire_in"`
		Reports  struct {
			Junit string `yaml:"junit"`
		} `yaml:"reports"`
	} `yaml:"artifacts"`
}

// inputRef is GitLab's interpolation of an input, $[[ inputs.name ]].
var inputRef = regexp.MustCompile(`\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]`)

// loadComponent reads the component's two documents: the spec header's
// inputs, and the jobs after interpolating the inputs as GitLab does
// (defaults, overridden by given), the hidden jobs' extends resolved.
func loadComponent(t *testing.T, given map[string]string) (map[string]componentInput, map[string]*ciJob) {
	t.Helper()
	raw, err := os.ReadFile(componentPath)
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := bytes.Cut(raw, []byte("\n---\n"))
	if !ok {
		t.Fatal("the component has no --- between its spec header and its jobs")
	}
	var header struct {
		Spec struct {
			Inputs map[string]componentInput `yaml:"inputs"`
		} `yaml:"spec"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&header); err != nil {
		t.Fatalf("spec header: %v", err)
	}
	inputs := header.Spec.Inputs
	used := map[string]bool{}
	var unknown []string
	text := inputRef.ReplaceAllStringFunc(string(body), func(ref string) string {
		name := inputRef.FindStringSubmatch(ref)[1]
		used[name] = true
		in, ok := inputs[name]
		switch v, set := given[name]; {
		case !ok:
			unknown = append(unknown, name)
			return ""
		case set:
			return v
		case in.Default == nil:
			t.Fatalf("input %s is required and not given", name)
		}
		return *in.Default
	})
	if len(unknown) > 0 {
		t.Fatalf("the jobs use inputs the header does not declare: %v", unknown)
	}
	for name := range inputs {
		if !used[name] {
			t.Errorf("input %s is declared and never used", name)
		}
	}
	if strings.Contains(text, "$[[") {
		t.Fatalf("an interpolation is left after substitution:\n%s", text)
	}
	jobs := map[string]*ciJob{}
	dec = yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	if err := dec.Decode(&jobs); err != nil {
		t.Fatalf("jobs: %v", err)
	}
	for name, j := range jobs {
		if j.Extends == "" {
			continue
		}
		base := jobs[j.Extends]
		if base == nil || !strings.HasPrefix(j.Extends, ".") {
			t.Fatalf("%s extends %q, which is not a hidden job of the component", name, j.Extends)
		}
		vars := map[string]string{}
		for k, v := range base.Variables {
			vars[k] = v
		}
		for k, v := range j.Variables {
			vars[k] = v
		}
		j.Variables = vars
		if j.Image == "" {
			j.Image = base.Image
		}
		if j.BeforeScript == nil {
			j.BeforeScript = base.BeforeScript
		}
	}
	return inputs, jobs
}

func TestComponentInputsAndJobs(t *testing.T) {
	inputs, jobs := loadComponent(t, map[string]string{"version": "v9.8.7", "plan_stage": "review", "apply_stage": "ship"})
	var names []string
	for n, in := range inputs {
		names = append(names, n)
		if in.Description == "" {
			t.Errorf("input %s has no description", n)
		}
	}
	sort.Strings(names)
	if want := []string{"apply_stage", "image", "plan_stage", "policy", "spec", "state", "version"}; !slices.Equal(names, want) {
		t.Errorf("inputs %v, want %v", names, want)
	}
	for name, def := range map[string]string{"spec": "integrations.yaml", "state": "", "policy": "", "plan_stage": "test", "apply_stage": "deploy"} {
		if in := inputs[name]; in.Default == nil || *in.Default != def {
			t.Errorf("input %s: default %v, want %q", name, in.Default, def)
		}
	}

	plan, apply, check := jobs["gitlab-integrations-plan"], jobs["gitlab-integrations-apply"], jobs["gitlab-integrations-check"]
	if plan == nil || apply == nil || check == nil {
		t.Fatalf("jobs: %v", keys(jobs))
	}
	if plan.Stage != "review" || check.Stage != "review" || apply.Stage != "ship" {
		t.Errorf("stages: plan %q, check %q, apply %q", plan.Stage, check.Stage, apply.Stage)
	}
	if len(plan.Rules) != 1 || plan.Rules[0].If != `$CI_PIPELINE_SOURCE == "merge_request_event"` {
		t.Errorf("plan rules: %+v", plan.Rules)
	}
	if len(apply.Rules) != 1 || apply.Rules[0].If != `$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH` {
		t.Errorf("apply rules: %+v", apply.Rules)
	}
	if !slices.Equal(plan.Artifacts.Paths, []string{"plan.json"}) {
		t.Errorf("plan artifacts: %+v", plan.Artifacts)
	}
	if apply.Artifacts.When != "always" || !slices.Equal(apply.Artifacts.Paths, []string{"apply.jsonl"}) || apply.ResourceGroup == "" {
		t.Errorf("apply artifacts %+v, resource group %q", apply.Artifacts, apply.ResourceGroup)
	}
	if check.Artifacts.Reports.Junit != "report.xml" || check.Artifacts.When != "always" {
		t.Errorf("check artifacts: %+v", check.Artifacts)
	}
	if !strings.Contains(strings.Join(check.Script, "\n"), `gitlab-integrations check -f "$GITLAB_INTEGRATIONS_POLICY" -o junit > report.xml`) {
		t.Errorf("check script: %q", check.Script)
	}
	for name, j := range map[string]*ciJob{"plan": plan, "apply": apply, "check": check} {
		if len(j.BeforeScript) == 0 || !strings.Contains(j.BeforeScript[0], "cmd/gitlab-integrations@v9.8.7") {
			t.Errorf("%s: the install line does not take the version input: %q", name, j.BeforeScript)
		}
		if j.Image != "golang:1.25" || j.Variables["GITLAB_INTEGRATIONS_SPEC"] != "integrations.yaml" {
			t.Errorf("%s: image %q, variables %v", name, j.Image, j.Variables)
		}
		for _, line := range j.Script {
			// Secrets and tokens come from CI/CD variables, never from the
			// component's text.
			if strings.Contains(line, "glpat-") || strings.Contains(line, "hooks.slack.com") {
				t.Errorf("%s: a secret in the script: %q", name, line)
			}
		}
	}

	// Which jobs a pipeline gets.
	mr := map[string]string{"CI_PIPELINE_SOURCE": "merge_request_event", "CI_DEFAULT_BRANCH": "main", "CI_MERGE_REQUEST_IID": "1"}
	push := map[string]string{"CI_PIPELINE_SOURCE": "push", "CI_DEFAULT_BRANCH": "main", "CI_COMMIT_BRANCH": "main"}
	feature := map[string]string{"CI_PIPELINE_SOURCE": "push", "CI_DEFAULT_BRANCH": "main", "CI_COMMIT_BRANCH": "feature"}
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		policy string
		want   []string
	}{
		{"merge request", mr, "", []string{"gitlab-integrations-plan"}},
		{"merge request with a policy", mr, "policy.yaml", []string{"gitlab-integrations-check", "gitlab-integrations-plan"}},
		{"default branch", push, "", []string{"gitlab-integrations-apply"}},
		{"default branch with a policy", push, "policy.yaml", []string{"gitlab-integrations-apply", "gitlab-integrations-check"}},
		{"another branch", feature, "policy.yaml", nil},
	} {
		_, jobs := loadComponent(t, map[string]string{"policy": tc.policy})
		var got []string
		for _, name := range keys(jobs) {
			if j := jobs[name]; !strings.HasPrefix(name, ".") && j.runs(t, tc.vars) {
				got = append(got, name)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: jobs %v, want %v", tc.name, got, tc.want)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// runs evaluates the job's rules as GitLab does for the variables of a
// pipeline (the job's own variables included): the first rule whose if
// holds adds the job; none, and the job is left out.
func (j *ciJob) runs(t *testing.T, pipeline map[string]string) bool {
	t.Helper()
	vars := map[string]string{}
	for k, v := range j.Variables {
		vars[k] = v
	}
	for k, v := range pipeline {
		vars[k] = v
	}
	for _, r := range j.Rules {
		ok, err := evalRule(r.If, vars)
		if err != nil {
			t.Fatalf("rule %q: %v", r.If, err)
		}
		if ok {
			return true
		}
	}
	return false
}

// evalRule evaluates the subset of GitLab's rules:if expressions the
// component uses: $VAR (set and not empty), $A == $B, $A == "s", !=, &&,
// || and parentheses.
func evalRule(expr string, vars map[string]string) (bool, error) {
	toks := regexp.MustCompile(`\$[A-Za-z_][A-Za-z0-9_]*|"[^"]*"|==|!=|&&|\|\||\(|\)|\S`).FindAllString(expr, -1)
	pos := 0
	peek := func() string {
		if pos < len(toks) {
			return toks[pos]
		}
		return ""
	}
	value := func(tok string) (string, bool, error) {
		switch {
		case strings.HasPrefix(tok, "$"):
			v, ok := vars[tok[1:]]
			return v, ok, nil
		case strings.HasPrefix(tok, `"`):
			return strings.Trim(tok, `"`), true, nil
		}
		return "", false, errors.New("unexpected " + strconv.Quote(tok))
	}
	var or func() (bool, error)
	atom := func() (bool, error) {
		if peek() == "(" {
			pos++
			v, err := or()
			if err == nil && peek() != ")" {
				err = errors.New("missing )")
			}
			pos++
			return v, err
		}
		left := toks[pos]
		pos++
		lv, lset, err := value(left)
		if err != nil {
			return false, err
		}
		if op := peek(); op == "==" || op == "!=" {
			pos++
			rv, _, err := value(peek())
			pos++
			return (lv == rv) == (op == "=="), err
		}
		return lset && lv != "", nil
	}
	and := func() (bool, error) {
		v, err := atom()
		for err == nil && peek() == "&&" {
			pos++
			var w bool
			w, err = atom()
			v = v && w
		}
		return v, err
	}
	or = func() (bool, error) {
		v, err := and()
		for err == nil && peek() == "||" {
			pos++
			var w bool
			w, err = and()
			v = v || w
		}
		return v, err
	}
	v, err := or()
	if err == nil && pos != len(toks) {
		err = errors.New("trailing " + strconv.Quote(peek()))
	}
	return v, err
}

// runJob runs a job's script lines with bash as a runner does (one shell,
// set -eo pipefail, stopping at the first failing line) in dir, the
// repository's checkout, with the CI variables vars, the job's variables
// and the tool just built on PATH in place of the install lines.
func runJob(t *testing.T, j *ciJob, dir string, vars map[string]string) (code int, log string) {
	t.Helper()
	script := "set -eo pipefail\n" + strings.Join(j.Script, "\n") + "\n"
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + filepath.Dir(binary) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range j.Variables {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running the job: %v", err)
	}
	checkNoSecret(t, []string{"job"}, out.String())
	return code, out.String()
}

func TestComponentJobsOnTheInMemoryGitLab(t *testing.T) {
	srv := newServer(t, "acme/web", "acme/api", "acme/infra")
	infra := srv.AddProject("acme/infra")
	iid := srv.AddMergeRequest("acme/infra")
	srv.AddMergeRequestNote("acme/infra", iid, "reviewer", "Looks fine to me.")
	addSecret(srv.Token())
	repo := t.TempDir()
	writeRepoFile(t, repo, "integrations.yaml", twoProjectSpec)
	writeRepoFile(t, repo, "policy.yaml", "version: 1\nrules:\n  - name: slack-on-web\n    targets: [{project: acme/web}]\n    require: slack\n")
	_, jobs := loadComponent(t, map[string]string{"policy": "policy.yaml"})
	runner := map[string]string{
		"GITLAB_TOKEN":      srv.Token(), // the CI/CD variable the user adds
		"CI_SERVER_URL":     srv.URL(),
		"CI_PROJECT_ID":     strconv.FormatInt(infra, 10),
		"CI_PROJECT_PATH":   "acme/infra",
		"CI_DEFAULT_BRANCH": "main",
	}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range runner {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}

	// A merge request pipeline, without the secrets (they are protected
	// variables: the merge request job does not get them).
	mr := with(map[string]string{
		"CI_PIPELINE_SOURCE":   "merge_request_event",
		"CI_MERGE_REQUEST_IID": strconv.FormatInt(iid, 10),
		"CI_COMMIT_REF_NAME":   "feature",
		"CI_JOB_URL":           srv.URL() + "/acme/infra/-/jobs/101",
	})
	plan := jobs["gitlab-integrations-plan"]
	if !plan.runs(t, mr) {
		t.Fatal("the plan job is not in the merge request pipeline")
	}
	code, log := runJob(t, plan, repo, mr)
	if code != 0 {
		t.Fatalf("plan job: exit %d, want 0 (changes are not a failure):\n%s", code, log)
	}
	notes := srv.MergeRequestNotes("acme/infra", iid)
	if len(notes) != 2 || !strings.HasPrefix(notes[1].Body, "<!-- gitlab-integrations:plan integrations.yaml -->\n**Plan:** 2 to create") ||
		!strings.Contains(notes[1].Body, "### Apply will need") {
		t.Fatalf("notes after the plan job: %+v", notes)
	}
	first := notes[1]
	saved, err := os.ReadFile(filepath.Join(repo, "plan.json"))
	if err != nil {
		t.Fatalf("the plan.json artifact: %v", err)
	}
	var p planJSON
	if err := json.Unmarshal(saved, &p); err != nil || p.Summary["create"] != 2 {
		t.Errorf("plan.json: %v %v", err, p.Summary)
	}

	// A second push changes the spec: the same note is updated.
	writeRepoFile(t, repo, "integrations.yaml", strings.Replace(twoProjectSpec, `"#api"`, `"#api-alerts"`, 1))
	if code, log := runJob(t, plan, repo, with(map[string]string{
		"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": strconv.FormatInt(iid, 10),
		"CI_JOB_URL": srv.URL() + "/acme/infra/-/jobs/102",
	})); code != 0 {
		t.Fatalf("second plan job: exit %d\n%s", code, log)
	}
	notes = srv.MergeRequestNotes("acme/infra", iid)
	if len(notes) != 2 || notes[1].ID != first.ID || !strings.Contains(notes[1].Body, "#api-alerts") || notes[0].Body != "Looks fine to me." {
		t.Fatalf("notes after the second push: %+v", notes)
	}

	// A spec with an error fails the job (exit 1 is not taken for 2).
	writeRepoFile(t, repo, "broken.yaml", "version: 2\n")
	broken := *plan
	broken.Variables = map[string]string{"GITLAB_INTEGRATIONS_SPEC": "broken.yaml"}
	if code, log := runJob(t, &broken, repo, mr); code != 1 || !strings.Contains(log, "broken.yaml:1") {
		t.Errorf("plan job on a broken spec: exit %d, want 1\n%s", code, log)
	}

	// The check job: before apply, acme/web has no Slack, so the policy
	// has a finding: the job fails (exit 2) and its JUnit report says why.
	check := jobs["gitlab-integrations-check"]
	if !check.runs(t, mr) {
		t.Error("the check job is not in the merge request pipeline although a policy is given")
	}
	code, log = runJob(t, check, repo, mr)
	report, err := os.ReadFile(filepath.Join(repo, "report.xml"))
	if code != 2 || err != nil || !bytes.Contains(report, []byte("<testsuite")) || !bytes.Contains(report, []byte("<failure")) || !bytes.Contains(report, []byte("policy.yaml:3")) {
		t.Errorf("check job: exit %d, want 2; report %v %q\n%s", code, err, report, log)
	}

	// The default branch pipeline, with the secrets: apply makes the
	// changes, exit 0, the results in the log and in apply.jsonl.
	main := with(map[string]string{
		"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main",
		"SLACK_WEBHOOK": sentinel,
	})
	apply := jobs["gitlab-integrations-apply"]
	if plan.runs(t, main) || !apply.runs(t, main) {
		t.Fatal("the default branch pipeline does not have the apply job alone")
	}
	code, log = runJob(t, apply, repo, main)
	if code != 0 {
		t.Fatalf("apply job: exit %d\n%s", code, log)
	}
	results, err := os.ReadFile(filepath.Join(repo, "apply.jsonl"))
	if err != nil {
		t.Fatalf("the apply.jsonl artifact: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(results)), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], `"summary":{"applied":2,"failed":0`) || !strings.Contains(log, lines[2]) {
		t.Errorf("apply.jsonl (and the log):\n%s\n---\n%s", results, log)
	}
	if r := cli(t, env(srv), "plan", "-f", filepath.Join(repo, "integrations.yaml"), "-q"); r.code != 0 {
		t.Errorf("after the apply job, plan: exit %d\n%s", r.code, r.stdout)
	}

	// An apply that fails in part fails the job: exit 3.
	writeRepoFile(t, repo, "integrations.yaml", twoProjectSpec+"      gitlab-slack-application:\n        channel: \"#app\"\n")
	code, log = runJob(t, apply, repo, main)
	if code != exitPartial {
		t.Fatalf("apply job with a failing change: exit %d, want 3\n%s", code, log)
	}
	results, _ = os.ReadFile(filepath.Join(repo, "apply.jsonl"))
	if !strings.Contains(string(results), `"failed":1`) {
		t.Errorf("apply.jsonl after a partial failure:\n%s", results)
	}
	for _, n := range srv.MergeRequestNotes("acme/infra", iid) {
		if strings.Contains(n.Body, sentinel) || strings.Contains(n.Body, srv.Token()) {
			t.Errorf("a note holds a secret:\n%s", n.Body)
		}
	}
}

func writeRepoFile(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The rules evaluator is checked on its own, so that the component's test
// cannot pass on a broken evaluator.
func TestEvalRule(t *testing.T) {
	vars := map[string]string{"A": "x", "B": "x", "C": "y", "E": ""}
	for expr, want := range map[string]bool{
		`$A == $B`:                       true,
		`$A == $C`:                       false,
		`$A == "x"`:                      true,
		`$A != "x"`:                      false,
		`$E`:                             false,
		`$MISSING`:                       false,
		`$A`:                             true,
		`$E && $A`:                       false,
		`$E || $A`:                       true,
		`$A && ($C == "z" || $B == "x")`: true,
		`$A && ($C == "z" || $B == "q")`: false,
		`$MISSING == $ALSO_MISSING`:      true,
	} {
		got, err := evalRule(expr, vars)
		if err != nil || got != want {
			t.Errorf("evalRule(%q) = %v, %v; want %v", expr, got, err, want)
		}
	}
}

// The README's include lines name the component by its file and give it
// inputs it declares.
func TestReadmeIncludesTheComponent(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Plans on merge requests (GitLab CI)\n")
	_, block, ok2 := strings.Cut(section, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("the README has no include block in its GitLab CI section")
	}
	var doc struct {
		Include []struct {
			Component string            `yaml:"component"`
			Inputs    map[string]string `yaml:"inputs"`
		} `yaml:"include"`
	}
	if err := yaml.Unmarshal([]byte(block), &doc); err != nil || len(doc.Include) != 1 {
		t.Fatalf("the README's include block: %v\n%s", err, block)
	}
	name := strings.TrimSuffix(filepath.Base(componentPath), ".yml")
	if c := doc.Include[0].Component; !strings.Contains(c, "/"+name+"@") {
		t.Errorf("the README includes %q, not the component %s", c, name)
	}
	inputs, _ := loadComponent(t, nil)
	for k := range doc.Include[0].Inputs {
		if _, ok := inputs[k]; !ok {
			t.Errorf("the README gives the input %q, which the component does not declare", k)
		}
	}
	if n := strings.Count(strings.TrimSpace(block), "\n") + 1; n != 3 {
		t.Errorf("the README's include is %d lines, not 3", n)
	}
}
