package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// bulkFlags are the flags of the commands that also work on many projects
// at once (set, disable, copy, inherit): --projects-in and its globs, and
// how the plan they then make is shown and carried out. Such a command
// builds a fleet spec in memory and goes through fleet.NewPlan and
// fleet.Apply, so that it behaves as plan and apply do.
type bulkFlags struct {
	projectsIn  string
	include     []string
	exclude     []string
	yes         bool
	dryRun      bool
	concurrency int
	stateFile   string
	// always is set for a command that plans even over one scope (inherit).
	always bool
}

// bind adds the flags to cmd. It comes before scopeFlags.bind, which then
// leaves the choice between --project, --group and --projects-in to check.
func (b *bulkFlags) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&b.projectsIn, "projects-in", "", "every project under this group (full path), those of its subgroups included, archived ones left out; shows the plan and asks before applying it")
	f.StringArrayVar(&b.include, "include", nil, `with --projects-in: only the projects whose full path matches this glob ("*" within a path segment, "**" across "/"; repeatable)`)
	f.StringArrayVar(&b.exclude, "exclude", nil, "with --projects-in: leave out the projects whose full path matches this glob (repeatable)")
	f.BoolVar(&b.yes, "yes", false, "apply the plan without asking")
	f.BoolVar(&b.dryRun, "dry-run", false, "only show the plan, send nothing (exit 2 when it has changes, as plan)")
	when := "with --projects-in or --dry-run: "
	if b.always {
		when = ""
	}
	f.IntVar(&b.concurrency, "concurrency", 8, when+"scopes read, and changes sent, at once")
	f.StringVar(&b.stateFile, "state", "", when+"file of secret fingerprints, as plan and apply --state")
}

// planned reports whether the command goes through a fleet plan: over
// --projects-in, or to only show what it would change.
func (b *bulkFlags) planned() bool { return b.always || b.projectsIn != "" || b.dryRun }

// check refuses flags that do not go together, before anything is read or
// sent. single names the flags of one or more scopes given (--project,
// --to…); need is how to write them in "give … or --projects-in G".
func (b *bulkFlags) check(cmd *cobra.Command, single []string, need string) error {
	switch {
	case b.projectsIn != "" && len(single) > 0:
		return fmt.Errorf("--projects-in and %s: give %s or --projects-in GROUP, not both", strings.Join(single, " and "), need)
	case b.projectsIn == "" && len(single) == 0:
		return fmt.Errorf("no scope: give %s or --projects-in GROUP", need)
	case b.projectsIn == "" && len(b.include)+len(b.exclude) > 0:
		return errors.New("--include and --exclude choose among the projects of --projects-in: give --projects-in GROUP too")
	case b.dryRun && b.yes:
		return errors.New("--dry-run and --yes: --dry-run only shows the plan; leave out one of them")
	}
	if !b.planned() {
		for _, name := range []string{"concurrency", "state"} {
			if cmd.Flags().Changed(name) {
				return fmt.Errorf("--%s works when the command plans (with --projects-in or --dry-run)", name)
			}
		}
	}
	return nil
}

// checkPlaces refuses a --projects-in that is not a group path and globs
// that are not valid, before anything is read: the checks of a spec's
// projects_in:, include: and exclude:. slug is the integration the command
// names, known to exist.
func (b *bulkFlags) checkPlaces(slug string) error {
	if b.projectsIn == "" {
		return nil
	}
	bp := newBulkPlan(b, "", nil, map[string]fleet.Desired{slug: {State: fleet.Absent}})
	if err := bp.spec.Validate(); err != nil {
		return bp.explain(err)
	}
	return nil
}

// given lists those of the flags names that the command line set, as
// "--name".
func given(cmd *cobra.Command, names ...string) []string {
	var out []string
	for _, n := range names {
		if cmd.Flags().Changed(n) {
			out = append(out, "--"+n)
		}
	}
	return out
}

// bulkPlan is a spec built from the command line, with what to call each
// of its targets in messages.
type bulkPlan struct {
	spec   *fleet.Spec
	labels []string // per target: "--projects-in acme", "--project acme/web"
	slug   string   // the integration, when there is one only
}

// newBulkPlan builds the spec of want over --projects-in (when given) or
// over each of scopes, labelled by flag ("--project", "--to").
func newBulkPlan(b *bulkFlags, flag string, scopes []integrations.Scope, want map[string]fleet.Desired) *bulkPlan {
	bp := &bulkPlan{spec: &fleet.Spec{Version: 1}, slug: "SLUG"}
	if len(want) == 1 {
		for slug := range want {
			bp.slug = slug
		}
	}
	if b.projectsIn != "" {
		bp.spec.Targets = []fleet.Target{{ProjectsIn: b.projectsIn, Include: b.include, Exclude: b.exclude, Integrations: copyWant(want)}}
		bp.labels = []string{"--projects-in " + b.projectsIn}
		return bp
	}
	for _, s := range scopes {
		kind, ref, _ := strings.Cut(scopeText(s), ":")
		t := fleet.Target{Integrations: copyWant(want)}
		if kind == "group" {
			t.Group = ref
		} else {
			t.Project = ref
		}
		label := flag + " " + ref
		if flag == "--to" {
			label = flag + " " + kind + ":" + ref
		}
		bp.spec.Targets = append(bp.spec.Targets, t)
		bp.labels = append(bp.labels, label)
	}
	return bp
}

// copyWant copies want for one target: Validate brings values to their
// types in place.
func copyWant(want map[string]fleet.Desired) map[string]fleet.Desired {
	out := make(map[string]fleet.Desired, len(want))
	for slug, d := range want {
		if d.Params != nil {
			params := make(map[string]any, len(d.Params))
			for k, v := range d.Params {
				params[k] = v
			}
			d.Params = params
		}
		out[slug] = d
	}
	return out
}

// run plans the spec and then, as plan and apply do: with --dry-run shows
// the plan (exit 2 when it has changes); otherwise shows it and asks
// (unless --yes), and applies it, reporting every change.
func (bp *bulkPlan) run(cmd *cobra.Command, root *rootOptions, b *bulkFlags) error {
	var format string
	var err error
	if b.dryRun {
		format, err = root.format("text", "text", "table", "json", "yaml", "csv")
	} else {
		format, err = root.format("table", append(dataFormats, "jsonl")...)
	}
	if err != nil {
		return err
	}
	c, err := root.client()
	if err != nil {
		return err
	}
	bar := root.newProgress()
	p, err := fleet.NewPlan(cmd.Context(), c, bp.spec, fleet.PlanOptions{
		Concurrency: b.concurrency, Progress: bar.event, StateFile: b.stateFile, LookupEnv: root.getenv,
	})
	bar.finish()
	if err != nil {
		return bp.explain(err)
	}
	for i := range p.Changes {
		// The spec has no file: its places in the Go structure would only
		// confuse the output.
		p.Changes[i].Where = ""
	}
	if len(p.Changes) == 0 && b.projectsIn != "" {
		// Globs that leave none are the spec's error already; this is a
		// group with no project at all.
		return fmt.Errorf("--projects-in %s: the group has no projects (archived ones are left out): nothing to do", b.projectsIn)
	}
	if b.dryRun {
		if err := printPlan(cmd, root, format, p, ""); err != nil {
			return err
		}
		if p.HasChanges() {
			return &codeError{code: exitChanges}
		}
		return nil
	}
	if !p.HasChanges() {
		root.notef("No changes: GitLab already has this on %s.", bp.what(p))
		return nil
	}
	if !b.yes {
		if err := askToApply(cmd, root, p); err != nil {
			return err
		}
	}
	return carryOut(cmd, root, &applyOptions{concurrency: b.concurrency, stateFile: b.stateFile}, c, p, format)
}

// what names the scopes of a plan with no changes.
func (bp *bulkPlan) what(p *fleet.Plan) string {
	scopes := map[string]bool{}
	for _, ch := range p.Changes {
		scopes[scopeText(ch.Scope)] = true
	}
	if len(scopes) == 1 {
		for s := range scopes {
			return s
		}
	}
	if bp.spec.Targets[0].ProjectsIn != "" {
		return fmt.Sprintf("each of the %d projects", len(scopes))
	}
	return fmt.Sprintf("each of the %d scopes", len(scopes))
}

// explain writes the problems of a spec error in the command line's
// terms: "--projects-in acme: …", "--include: …", not the places of a
// spec's Go structure.
func (bp *bulkPlan) explain(err error) error {
	var se *fleet.SpecError
	if !errors.As(err, &se) {
		return fmt.Errorf("planning: %w", err)
	}
	for i := range se.Problems {
		pr := &se.Problems[i]
		pr.Where = bp.where(pr.Where)
		pr.Message = strings.TrimPrefix(pr.Message, "projects_in: ")
		// The way out fleet names is a spec's; here it is another command.
		pr.Message = strings.Replace(pr.Message, ": set it up on a group: target, or give its settings here",
			": set it up on a group above first (gitlab-integrations set "+bp.slug+" --group GROUP …)", 1)
	}
	return se
}

// where turns a place in the spec ("targets[0].include") into the flag
// that gave it.
func (bp *bulkPlan) where(w string) string {
	rest, ok := strings.CutPrefix(w, "targets[")
	if !ok {
		return strings.Join(bp.labels, ", ")
	}
	num, rest, _ := strings.Cut(rest, "]")
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 || i >= len(bp.labels) {
		return strings.Join(bp.labels, ", ")
	}
	switch rest {
	case ".include":
		return "--include"
	case ".exclude":
		return "--exclude"
	}
	return bp.labels[i]
}

// specParams turns key=value arguments (args, which resolved holds
// resolved and checked by DynamicService.Check) into a spec's parameters:
// booleans and integers typed from their resolved text; other values as
// written, so that the spec keeps their ${env:…} and ${file:…} references
// for fleet to resolve as a spec's (and never to show), except that @FILE
// and @@ give their text, taken literally.
func specParams(info integrations.IntegrationInfo, args []string, resolved integrations.Values) map[string]any {
	out := make(map[string]any, len(resolved))
	for _, a := range args {
		key, raw, _ := strings.Cut(a, "=")
		key = strings.TrimSpace(key)
		v, ok := resolved[key]
		if !ok {
			continue
		}
		p, _ := info.Parameter(key)
		s, _ := v.(string)
		switch p.Type {
		case integrations.TypeBoolean:
			// Check accepted it, so it is one of the words for true or false.
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true", "1", "yes", "on", "t":
				out[key] = true
			default:
				out[key] = false
			}
		case integrations.TypeInteger:
			n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				out[key] = s // not reached after Check; Validate names it
				continue
			}
			out[key] = n
		default:
			out[key] = specValue(raw, v)
		}
	}
	return out
}

// specValue is a value given on the command line as raw, resolved to
// resolved, as a spec writes it: raw with its references, or for @FILE
// and @@… the text it gives, taken literally.
func specValue(raw string, resolved any) any {
	if strings.HasPrefix(raw, "@") {
		return literalValue(resolved)
	}
	return raw
}

// literalValue writes every "${" of a value's strings as "$${", so that a
// spec sends the text itself rather than reading it as a reference.
func literalValue(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "${", "$${")
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = strings.ReplaceAll(s, "${", "$${")
		}
		return out
	}
	return v
}
