package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations/fleet"
)

// planOptions are the flags of plan.
type planOptions struct {
	spec        string
	out         string
	concurrency int
	stateFile   string
	mr          mrNoteOptions

	refresh bool
}

func newPlanCmd(root *rootOptions) *cobra.Command {
	var opts planOptions
	cmd := &cobra.Command{
		Use:   "plan -f SPEC",
		Short: "Show what apply would change to reach a spec",
		Long: `plan reads a spec (the YAML desired state of integrations over projects and
groups), compares it with what GitLab has and prints the changes: + create,
~ update (old → new per field), - disable, < inherit, a summary line last.
Secrets show as (secret). plan reads the ${env:NAME} and ${file:PATH}
references of non-secret parameters, to compare their values with GitLab's
and to check that apply can resolve them; those of secrets only with --state,
to compare them with the fingerprints apply recorded (under the key in
$GITLAB_INTEGRATIONS_STATE_KEY or gitlab-integrations/state.key in your
configuration directory). It never prints a value. With --state, plan
also records the non-secret settings it read, and a later plan reads only
the integrations GitLab shows updated since (--refresh reads them all).

A reference not resolvable here (a secret only the apply job has) does not
stop the plan: it is listed under the changes that need it ("! apply will
need SLACK_WEBHOOK, not set here"), and in JSON as "unresolved". A project,
group or projects_in: that does not exist, include:/exclude: globs that
leave no project, and an inherit that no group above can serve are errors,
each with its spec line.

--out PLANFILE saves the plan (JSON, no secret in it) for "apply PLANFILE".

-o markdown writes the plan for a merge-request comment: a summary line,
the references apply will need, the changes by scope (folded when there
are many), old → new, secrets never; past 60,000 bytes, the counts of what
is left and a link to the job's artifacts (from $CI_JOB_URL).

--mr-note posts that Markdown as a note on a merge request: the project
from --mr-project or $CI_PROJECT_ID, the merge request from --mr-iid or
$CI_MERGE_REQUEST_IID, GitLab from --url or $GITLAB_URL, else
$CI_SERVER_URL (all set in a GitLab CI merge request pipeline; the token
in GITLAB_TOKEN must be one that may comment, not CI_JOB_TOKEN). The note
starts with the hidden line <!-- gitlab-integrations:plan SPEC -->, and a
later run for the same SPEC updates that note instead of adding one; notes
of other users are left alone. Posting does not change the exit code; a
failure to post is an error (exit 1).

Exit code: 0 no changes, 2 changes, 1 error.`,
		Example: `  gitlab-integrations plan -f integrations.yaml
  gitlab-integrations plan -f integrations.yaml --out plan.json -o json
  gitlab-integrations plan -f integrations.yaml --out plan.json --mr-note   # in a merge request pipeline`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := root.format("text", "text", "table", "json", "yaml", "csv", "markdown")
			if err != nil {
				return err
			}
			mr, err := opts.mr.target(root.getenv)
			if err != nil {
				return err
			}
			root.ciServerURL = opts.mr.post
			spec, err := fleet.LoadSpec(opts.spec)
			if err != nil {
				return err
			}
			c, err := root.client()
			if err != nil {
				return err
			}
			bar := root.newProgress()
			p, err := fleet.NewPlan(cmd.Context(), c, spec, fleet.PlanOptions{
				Concurrency: opts.concurrency,
				Progress:    bar.event,
				StateFile:   opts.stateFile,
				Refresh:     opts.refresh,
				LookupEnv:   root.getenv,
			})
			bar.finish()
			var se *fleet.SpecError
			if errors.As(err, &se) {
				return err // each problem names its spec line already
			}
			if err != nil {
				return fmt.Errorf("planning %s: %w", opts.spec, err)
			}
			if opts.out != "" {
				if err := savePlan(opts.out, p); err != nil {
					return err
				}
			}
			if err := printPlan(cmd, root, format, p, artifactURL(root.getenv, opts.out)); err != nil {
				return err
			}
			if format != "text" {
				// The text lists them under the changes; other formats
				// hold the changes only (JSON and YAML: "unresolved").
				for _, u := range p.Unresolved {
					root.notef("%s: apply will need %s; needed by %s", u.Where, u.Reference, strings.Join(u.NeededBy, ", "))
				}
			}
			if opts.out != "" {
				root.notef("Saved the plan to %s; apply it with: gitlab-integrations apply %s --yes", opts.out, opts.out)
			}
			if opts.mr.post {
				if err := postPlanNote(cmd.Context(), root, c, mr, opts.spec, opts.out, p); err != nil {
					return err
				}
			}
			if p.HasChanges() {
				return &codeError{code: exitChanges}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.spec, "file", "f", "", "the spec (YAML)")
	f.StringVar(&opts.out, "out", "", "save the plan to this file, for apply PLANFILE")
	f.IntVar(&opts.concurrency, "concurrency", 8, "targets read at once")
	f.StringVar(&opts.stateFile, "state", "", "file of secret fingerprints recorded by apply, to tell changed secrets (reads the secrets' references)")
	opts.mr.bind(f)

	f.BoolVar(&opts.refresh, "refresh", false, "with --state, read every integration again instead of trusting what the state file recorded of unchanged ones")
	_ = cmd.MarkFlagRequired("file")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
	return cmd
}

// event draws a fleet progress event; a nil progress draws nothing.
func (p *progress) event(ev fleet.Event) { p.update(ev.Phase, ev.Done, ev.Total) }

func savePlan(path string, p *fleet.Plan) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	return nil
}

// printPlan writes the plan: terraform-like text, the JSON of fleet.Plan
// (and YAML of the same), Markdown (linking artifact when it is cut), or
// one row per field changed.
func printPlan(cmd *cobra.Command, root *rootOptions, format string, p *fleet.Plan, artifact string) error {
	w := cmd.OutOrStdout()
	switch format {
	case "markdown":
		if err := p.WriteMarkdown(w, fleet.MarkdownOptions{ArtifactURL: artifact}); err != nil {
			return fmt.Errorf("writing the plan: %w", err)
		}
		return nil
	case "text":
		if err := writePlanText(w, root, p); err != nil {
			return fmt.Errorf("writing the plan: %w", err)
		}
		return nil
	case "json":
		return render(w, "json", p, nil)
	case "yaml":
		// render writes the YAML of the JSON form: both name and order
		// the fields alike.
		return render(w, "yaml", p, nil)
	}
	t := &table{header: []string{"SCOPE", "INTEGRATION", "ACTION", "FIELD", "FROM", "TO"}}
	for _, ch := range p.Changes {
		scope := scopeText(ch.Scope)
		if len(ch.Fields) == 0 {
			t.add(scope, ch.Integration, string(ch.Action), "", "", "")
		}
		for _, f := range ch.Fields {
			t.add(scope, ch.Integration, string(ch.Action), f.Name, cell(f.From), cell(f.To))
		}
	}
	return render(w, format, nil, t)
}
