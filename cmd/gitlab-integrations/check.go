package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations/fleet"
)

// checkOptions are the flags of check.
type checkOptions struct {
	policy      string
	concurrency int
}

// exitFindings is check's exit code when the policy has findings: the
// code of plan's changes, so that CI treats both alike.
const exitFindings = exitChanges

func newCheckCmd(root *rootOptions) *cobra.Command {
	var opts checkOptions
	cmd := &cobra.Command{
		Use:   "check -f POLICY",
		Short: "Check integrations against a policy: required, forbidden, settings",
		Long: `check reads a policy (YAML rules over projects and groups: require: an
integration active on every target, forbid: it active on none, integration:
with conditions on its settings and event flags where it is active) and
reports every finding with its rule's file:line. An integration inherited
from a group counts as active, with the settings it inherits. Secrets
cannot be read from GitLab, so no rule checks one. See "go doc
github.com/gitlabkit/integrations/fleet" (Policy checks) for the format.

check reads as plan does: one List per project or group, and a Get only
where a rule has conditions on the parameters of an active integration.

--output table (default), json ({"findings":[{"rule","where","scope",
"integration","message"}], "cases", "summary"}) or junit: JUnit XML for
GitLab's unit test reports (artifacts:reports:junit), one test case per rule
and scope.

Exit code: 0 compliant, 2 findings, 1 error.`,
		Example: `  gitlab-integrations check -f policy.yaml
  gitlab-integrations check -f policy.yaml -o junit > policy-report.xml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := root.format("table", "table", "json", "junit")
			if err != nil {
				return err
			}
			pol, err := fleet.LoadPolicy(opts.policy)
			if err != nil {
				return err
			}
			c, err := root.client()
			if err != nil {
				return err
			}
			bar := root.newProgress()
			rep, err := fleet.Check(cmd.Context(), c, pol, fleet.CheckOptions{
				Concurrency: opts.concurrency,
				Progress:    bar.event,
			})
			bar.finish()
			var se *fleet.SpecError
			if errors.As(err, &se) {
				return err // each problem names its policy line already
			}
			if err != nil {
				return fmt.Errorf("checking %s: %w", opts.policy, err)
			}
			if err := printCheck(cmd, format, opts.policy, rep); err != nil {
				return err
			}
			if !rep.Compliant() {
				return &codeError{code: exitFindings}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.policy, "file", "f", "", "the policy (YAML)")
	f.IntVar(&opts.concurrency, "concurrency", 8, "projects and groups read at once")
	_ = cmd.MarkFlagRequired("file")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
	return cmd
}

// printCheck writes the report: a table of findings and a summary line,
// the JSON of fleet.CheckReport, or JUnit XML.
func printCheck(cmd *cobra.Command, format, policy string, rep *fleet.CheckReport) error {
	w := cmd.OutOrStdout()
	switch format {
	case "json":
		return render(w, "json", rep, nil)
	case "junit":
		if err := rep.WriteJUnit(w, policy); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		return nil
	}
	s := rep.Summary
	if len(rep.Findings) > 0 {
		t := &table{header: []string{"WHERE", "RULE", "SCOPE", "INTEGRATION", "FINDING"}}
		for _, f := range rep.Findings {
			t.add(f.Where, f.Rule, f.Scope, f.Integration, f.Message)
		}
		if err := render(w, "table", nil, t); err != nil {
			return err
		}
		_, err := fmt.Fprintln(w, tableCell(fmt.Sprintf("%d finding%s: %d of %d checks failed (%d rules on %d projects and groups).",
			len(rep.Findings), pluralS(len(rep.Findings)), s.Failed, s.Cases, s.Rules, s.Scopes)))
		return err
	}
	_, err := fmt.Fprintln(w, tableCell(fmt.Sprintf("Compliant: %d checks passed (%d rules on %d projects and groups).", s.Cases, s.Rules, s.Scopes)))
	return err
}

// pluralS is "s" for a count other than one.
func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
