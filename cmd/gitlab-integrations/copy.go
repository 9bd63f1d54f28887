package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// copyOptions are the flags of copy.
type copyOptions struct {
	from    string
	to      []string
	only    []string
	secrets []string
	bulk    bulkFlags
}

// copyResult is one integration copied to one scope.
type copyResult struct {
	Integration string `json:"integration" yaml:"integration"`
	From        string `json:"from" yaml:"from"`
	To          string `json:"to" yaml:"to"`
	Result      string `json:"result" yaml:"result"`
	Error       string `json:"error,omitempty" yaml:"error,omitempty"`
}

func newCopyCmd(root *rootOptions) *cobra.Command {
	var opts copyOptions
	cmd := &cobra.Command{
		Use:   "copy --from SCOPE --to SCOPE… | --projects-in G [--only SLUG,…]",
		Short: "Copy integration settings from one project or group to others",
		Long: `copy reads the active integrations of --from (or those of --only) and sets
them up the same on every --to, event flags included. Scopes are written
project:acme/web, project:42, group:acme/platform or group:7.

GitLab never reports secrets (passwords, tokens, webhook URLs), so the required
ones must be given: --secret NAME='${env:VAR}' or --secret NAME=@FILE, where
NAME is the parameter (webhook) or, when several integrations have one of that
name, SLUG.NAME (slack.webhook). Without them copy sends nothing and lists the
ones missing. Secrets are refused as plain values.

--projects-in G copies to every project under the group G instead of the
--to scopes (--include and --exclude globs choose among them, as a spec's
projects_in: does): copy plans it as plan does, shows the plan and asks as
apply does (--yes to skip the question, --dry-run to only show the plan,
exit 2 when it has changes; --dry-run also plans the --to scopes), then
applies it, reporting every change as apply does (exit 3 when some failed).
The secrets are needed all the same. A project whose non-secret settings
are already those of --from is left alone: GitLab never reports a secret,
so it is compared only with --state.`,
		Example: `  gitlab-integrations copy --from project:acme/web --to project:acme/api --only slack \
    --secret webhook='${env:SLACK_WEBHOOK}'
  gitlab-integrations copy --from project:acme/web --projects-in acme --exclude acme/web --only slack \
    --secret webhook='${env:SLACK_WEBHOOK}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCopy(cmd, root, &opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.from, "from", "", "scope to copy from, such as project:acme/web")
	f.StringArrayVar(&opts.to, "to", nil, "scope to copy to (repeatable), or --projects-in")
	f.StringSliceVar(&opts.only, "only", nil, "copy only these integrations (comma-separated slugs)")
	f.StringArrayVar(&opts.secrets, "secret", nil, `a required secret, NAME='${env:VAR}' or NAME=@FILE (repeatable)`)
	opts.bulk.bind(cmd)
	_ = cmd.MarkFlagRequired("from")
	return cmd
}

// copyItem is one integration to copy, with the values that reproduce it.
type copyItem struct {
	slug   string
	svc    *integrations.DynamicService
	values integrations.Values
	// secretRefs holds the secrets of values as --secret wrote them.
	secretRefs map[string]string
}

func runCopy(cmd *cobra.Command, root *rootOptions, opts *copyOptions) error {
	if err := opts.bulk.check(cmd, given(cmd, "to"), "--to SCOPE"); err != nil {
		return err
	}
	format := ""
	if !opts.bulk.planned() {
		var err error
		if format, err = root.format("table", dataFormats...); err != nil {
			return err
		}
	}
	from, err := integrations.ParseScope(opts.from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	var targets []integrations.Scope
	for _, t := range opts.to {
		s, err := integrations.ParseScope(t)
		if err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		targets = append(targets, s)
	}
	secrets, err := parseSecrets(opts.secrets, root.getenv)
	if err != nil {
		return err
	}
	rawSecrets := map[string]string{} // as written, for a plan
	for _, f := range opts.secrets {
		name, raw, _ := strings.Cut(f, "=")
		rawSecrets[name] = raw
	}
	c, err := root.client()
	if err != nil {
		return err
	}
	ctx := cmd.Context()

	// What to copy: --only, else every active integration of the source.
	var slugs []string
	if len(opts.only) > 0 {
		for _, s := range opts.only {
			d, err := c.Integration(strings.TrimSpace(s))
			if err != nil {
				return fmt.Errorf("--only: %w", err)
			}
			slugs = append(slugs, d.Info().Slug)
		}
	} else {
		active, err := c.List(ctx, from)
		if err != nil {
			return fmt.Errorf("listing the integrations of %s: %w", from, err)
		}
		for _, it := range active {
			slugs = append(slugs, it.Slug)
		}
		if len(slugs) == 0 {
			return fmt.Errorf("%s has no active integration to copy", from)
		}
	}

	if err := opts.bulk.checkPlaces(slugs[0]); err != nil {
		return err
	}

	// Read everything and check every secret before sending anything.
	var items []copyItem
	var missing []string
	used := map[string]bool{}
	for _, slug := range slugs {
		d, err := c.Integration(slug)
		if err != nil {
			return err
		}
		st, err := d.Get(ctx, from)
		if err != nil {
			return fmt.Errorf("reading %s on %s: %w", slug, from, err)
		}
		if !st.Active {
			return fmt.Errorf("%s is not active on %s: nothing to copy", slug, from)
		}
		values, need := d.OptionsFrom(st)
		if values == nil {
			values = integrations.Values{}
		}
		refs := map[string]string{}
		for _, name := range need {
			key := slug + "." + name
			v, ok := secrets[key]
			if !ok {
				v, ok = secrets[name]
				key = name
			}
			if !ok {
				missing = append(missing, slug+"."+name)
				continue
			}
			used[key] = true
			values[name] = v
			refs[name] = rawSecrets[key]
		}
		items = append(items, copyItem{slug: slug, svc: d, values: values, secretRefs: refs})
	}
	if len(missing) > 0 {
		return fmt.Errorf("nothing copied: GitLab does not report secrets, and these required ones are missing: %s (give each as --secret NAME='${env:VAR}' or NAME=@FILE)",
			strings.Join(missing, ", "))
	}
	var unused []string
	for k := range secrets {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		slices.Sort(unused)
		return fmt.Errorf("nothing copied: --secret %s: no integration copied needs it", strings.Join(unused, ", "))
	}

	// Check every copy as Set will before sending the first one. The
	// projects of --projects-in are not known yet: one stands for them
	// all, for the checks that depend on the level.
	var refused []string
	checked, names := targets, []string(nil)
	for _, to := range targets {
		names = append(names, to.String())
	}
	if opts.bulk.projectsIn != "" {
		checked, names = []integrations.Scope{integrations.Project(opts.bulk.projectsIn)}, []string{"the projects in " + opts.bulk.projectsIn}
	}
	for i, to := range checked {
		for _, it := range items {
			if err := it.svc.Check(to, it.values); err != nil {
				refused = append(refused, fmt.Sprintf("%s on %s: %s", it.slug, names[i], problemText(err)))
			}
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("nothing copied: GitLab would refuse %s", strings.Join(refused, "; "))
	}
	if opts.bulk.planned() {
		want := map[string]fleet.Desired{}
		for _, it := range items {
			// GitLab's values are text to send as it is; the secrets
			// keep their references, for fleet to resolve.
			params := map[string]any{}
			for k, v := range it.values {
				params[k] = literalValue(v)
			}
			for k, raw := range it.secretRefs {
				params[k] = specValue(raw, it.values[k])
			}
			want[it.slug] = fleet.Desired{State: fleet.Present, Params: params}
		}
		return newBulkPlan(&opts.bulk, "--to", targets, want).run(cmd, root, &opts.bulk)
	}

	var results []copyResult
	var failed []string
	t := &table{header: []string{"INTEGRATION", "TO", "RESULT"}}
	for _, to := range targets {
		for _, it := range items {
			r := copyResult{Integration: it.slug, From: scopeText(from), To: scopeText(to), Result: "set"}
			if _, err := it.svc.Set(ctx, to, it.values); err != nil {
				err = redactSent(err, it.svc.Info(), it.values)
				r.Result, r.Error = "failed", forPeople(err.Error())
				failed = append(failed, fmt.Sprintf("%s on %s: %v", it.slug, to, err))
				if errors.Is(err, ctx.Err()) && ctx.Err() != nil {
					return err
				}
			}
			results = append(results, r)
			t.add(r.Integration, r.To, strings.TrimSpace(r.Result+" "+r.Error))
		}
	}
	if err := render(cmd.OutOrStdout(), format, results, t); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d copies failed: %s", len(failed), len(results), strings.Join(failed, "; "))
	}
	return nil
}

// parseSecrets reads --secret NAME=REF flags. A secret must be a reference
// (${env:VAR}, ${file:PATH} or @FILE), so that it stays out of the command
// line, shell history and process list.
func parseSecrets(flags []string, lookupEnv func(string) (string, bool)) (map[string]any, error) {
	out := map[string]any{}
	var problems []string
	for _, f := range flags {
		name, raw, ok := strings.Cut(f, "=")
		if !ok || name == "" {
			problems = append(problems, fmt.Sprintf("--secret %s: write NAME='${env:VAR}' or NAME=@FILE", redactArg(f)))
			continue
		}
		if !strings.HasPrefix(raw, "@") && !refPattern.MatchString(raw) {
			problems = append(problems, fmt.Sprintf("--secret %s: give a secret as '${env:VAR}' or @FILE, not as a plain value", name))
			continue
		}
		v, err := resolveValue(raw, lookupEnv)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--secret %s: %v", name, err))
			continue
		}
		out[name] = v
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return out, nil
}

// problemText is a validation error's problems, without the SDK's prefix,
// for a person to read: "webhook: is required; url: …".
func problemText(err error) string {
	var ve *integrations.ValidationError
	if errors.As(err, &ve) {
		return strings.Join(ve.Problems, "; ")
	}
	return err.Error()
}
