package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations/fleet"
)

// applyOptions are the flags of apply.
type applyOptions struct {
	spec        string
	yes         bool
	concurrency int
	stateFile   string
}

func newApplyCmd(root *rootOptions) *cobra.Command {
	var opts applyOptions
	cmd := &cobra.Command{
		Use:   "apply -f SPEC --yes | apply PLANFILE --yes",
		Short: "Make GitLab match a spec, or carry out a saved plan",
		Long: `apply plans the spec (or reads a plan saved by plan --out) and carries out its
changes, reading ${env:NAME} and ${file:PATH} references for secrets. A saved
plan is refused for a change whose integration was updated since the plan.

Without --yes it prints the plan and asks on the terminal; when standard input
is not a terminal (CI) it refuses: review the plan, then give --yes.

Exit code: 0 done (or nothing to do), 3 some changes failed, 1 error.`,
		Example: `  gitlab-integrations apply -f integrations.yaml
  gitlab-integrations plan -f integrations.yaml --out plan.json && gitlab-integrations apply plan.json --yes`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == (opts.spec != "") {
				return errors.New("apply takes a spec (-f SPEC) or a saved plan (PLANFILE), one of them")
			}
			return runApply(cmd, root, &opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.spec, "file", "f", "", "the spec (YAML)")
	f.BoolVarP(&opts.yes, "yes", "y", false, "apply without asking")
	f.IntVar(&opts.concurrency, "concurrency", 8, "targets changed at once")
	f.StringVar(&opts.stateFile, "state", "", "file of secret fingerprints to record, for later plans")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
	return cmd
}

// resultView is one change carried out, as apply prints it.
type resultView struct {
	Scope       string `json:"scope" yaml:"scope"`
	Integration string `json:"integration" yaml:"integration"`
	Action      string `json:"action" yaml:"action"`
	Error       string `json:"error,omitempty" yaml:"error,omitempty"`
}

func runApply(cmd *cobra.Command, root *rootOptions, opts *applyOptions, args []string) error {
	format, err := root.format("table", dataFormats...)
	if err != nil {
		return err
	}
	c, err := root.client()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	var p *fleet.Plan
	if len(args) == 1 {
		f, err := os.Open(args[0])
		if err != nil {
			return fmt.Errorf("reading the plan: %w", err)
		}
		p, err = fleet.ReadPlan(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("reading the plan %s: %w", args[0], err)
		}
	} else {
		spec, err := fleet.LoadSpec(opts.spec)
		if err != nil {
			return err
		}
		bar := root.newProgress()
		p, err = fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{
			Concurrency: opts.concurrency, Progress: bar.event, StateFile: opts.stateFile, LookupEnv: root.getenv,
		})
		bar.finish()
		if err != nil {
			return fmt.Errorf("planning %s: %w", opts.spec, err)
		}
	}
	if !p.HasChanges() {
		root.notef("No changes: GitLab matches the spec.")
		return nil
	}
	if !opts.yes {
		if err := p.WriteText(cmd.OutOrStdout()); err != nil {
			return fmt.Errorf("writing the plan: %w", err)
		}
		if !isTerminal(root.streams.in) {
			return errors.New("refusing to apply without --yes: standard input is not a terminal to ask on (review the plan, then run again with --yes)")
		}
		fmt.Fprint(root.streams.err, "Apply these changes? Only 'yes' applies them: ")
		line, _ := bufio.NewReader(root.streams.in).ReadString('\n')
		if strings.TrimSpace(line) != "yes" {
			return errors.New("apply cancelled: nothing changed")
		}
	}

	bar := root.newProgress()
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{
		Concurrency: opts.concurrency, Progress: bar.event, StateFile: opts.stateFile, LookupEnv: root.getenv,
	})
	bar.finish()
	if err != nil {
		return fmt.Errorf("applying: %w", err)
	}
	views := []resultView{}
	t := &table{header: []string{"SCOPE", "INTEGRATION", "ACTION", "RESULT"}}
	for _, r := range res.Results {
		msg := r.Error
		if msg == "" && r.Err != nil {
			msg = r.Err.Error()
		}
		views = append(views, resultView{Scope: scopeText(r.Scope), Integration: r.Integration, Action: string(r.Action), Error: msg})
		result := "done"
		if msg != "" {
			result = "failed: " + oneLine(msg)
		}
		t.add(scopeText(r.Scope), r.Integration, string(r.Action), result)
	}
	if err := render(cmd.OutOrStdout(), format, views, t); err != nil {
		return err
	}
	if n := res.Failed(); n > 0 {
		return &codeError{code: exitPartial, err: fmt.Errorf("%d of %d changes failed (the others were applied); run plan again to see what is left", n, len(res.Results))}
	}
	root.notef("Applied %d changes.", len(res.Results))
	return nil
}
