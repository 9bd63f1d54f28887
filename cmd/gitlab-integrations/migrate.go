package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations/fleet"
)

// migrateOptions are the flags every migration takes.
type migrateOptions struct {
	projectsIn  []string
	include     []string
	exclude     []string
	projects    []string
	groups      []string
	out         string
	keepSource  bool
	webhooks    string
	to          int
	concurrency int
}

// migrationHelp is each migration's own help: what it maps and what the
// user does next.
var migrationHelp = map[string]struct{ short, long string }{
	fleet.MigrateSlackToSlackApp: {
		"Slack notifications (slack) to the GitLab for Slack app",
		`Writes, for each project or group using Slack notifications where the GitLab
for Slack app is installed, gitlab-slack-application with every chat setting of slack:
channel and the per-event channels, the event flags, notify_only_broken_pipelines,
notify_only_when_pipeline_status_changes, branches_to_be_notified,
labels_to_be_notified and labels_to_be_notified_behavior; and slack: absent
(--keep-source keeps it). The webhook and username do not carry over: the app
posts with its own Slack credentials. An event with no channel, which Slack
posted to the webhook's own channel, the app posts nowhere: the report lists
them. The app is installed from GitLab's web page only: scopes without it are
listed on stderr, with the steps, and left out of the spec; run migrate again
once installed. The app posts only to channels it is in: add it to private ones.`,
	},
	fleet.MigrateSlashCommandsToSlackApp: {
		"Slack slash commands (removed in GitLab 19.0) to the GitLab for Slack app",
		`Writes, for each project using Slack slash commands where the GitLab for Slack
app is installed, gitlab-slack-application: present and slack-slash-commands:
absent (--keep-source keeps it). The slash command's token does not carry over:
the app's /gitlab command is verified by the app. Projects without the app are
listed on stderr with the steps to install it. On GitLab 19.0 and later, which
removed slash commands, there is nothing left to migrate and the spec is empty.`,
	},
	fleet.MigrateTeamsConnectorToWorkflows: {
		"Microsoft Teams from Office 365 connectors to Workflows webhooks",
		`Writes, for each scope using Microsoft Teams notifications, microsoft-teams with
every setting as it is (events, notify_only_broken_pipelines,
notify_only_when_pipeline_status_changes, branches_to_be_notified) and the
webhook as a reference to the scope's new Workflows URL, which GitLab cannot
tell: ${env:NAME} per scope (stable names, as export's), or with --webhooks DIR
${file:DIR/NAME}, one file per scope holding its new URL. migrate creates each
missing file empty (mode 0600), and plan refuses the spec while any is empty.
GitLab never reports a webhook, so the spec marks it new (webhook: !new …):
plan shows it as "(new secret)" until a state file records it. Plan and apply
with --state FILE, so that it is sent once and the next plan is clean.`,
	},
	fleet.MigrateJiraProjectKeys: {
		"Jira's project_key to project_keys",
		`Writes, for each scope whose Jira integration has a project_key that project_keys
does not list, jira with project_keys (the keys already there and project_key;
a blank project_keys, which shows every Jira project's issues, becomes
[project_key] as GitLab's own 17.0 backfill did), project_key: "" unless
vulnerabilities_enabled (vulnerability issues are created in project_key, and
GitLab requires it then) or --keep-source, url (GitLab requires it on every
change) and password as a reference: GitLab never reports it.`,
	},
	fleet.MigrateJiraAuth: {
		"Jira from basic authentication to a personal access token (--to 1) or a Cloud service account (--to 2)",
		`Writes, for each scope whose Jira integration has another jira_auth_type than
--to, jira with jira_auth_type --to, url, api_url and password as a reference
to the new token, and username: "" (neither takes one). --to 1 (a Jira Data
Center or Server personal access token) leaves Jira Cloud sites (*.atlassian.net)
alone: GitLab refuses a token there. --to 2 (a Jira Cloud service account,
GitLab 19.0 and later) also sets api_url, to a reference the user fills with
https://api.atlassian.com/ex/jira/CLOUD_ID (one name per site,
JIRA_CLOUD_API_URL_SITE). --to 2 on an older GitLab is refused.`,
	},
}

func newMigrateCmd(root *rootOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate NAME",
		Short: "Write the spec that moves integrations off what GitLab retires",
		Long: `migrate reads the targets and writes, on stdout or --out, the spec that migrates
every scope using the source integration, for review: it changes nothing.
What does not carry over, and why, is on stderr. Then run plan and apply on
the spec.`,
		Example: `  gitlab-integrations migrate slack-to-slack-app --projects-in acme > slack-app.yaml
  gitlab-integrations plan -f slack-app.yaml && gitlab-integrations apply -f slack-app.yaml`,
		// A name that is no migration reaches RunE, flags and all, to be
		// refused with the names there are.
		Args:               cobra.ArbitraryArgs,
		FParseErrWhitelist: cobra.FParseErrWhitelist{UnknownFlags: true},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("migrate needs a migration's name: one of %s", strings.Join(fleet.MigrationNames(), ", "))
			}
			return fmt.Errorf("unknown migration %q: use one of %s", args[0], strings.Join(fleet.MigrationNames(), ", "))
		},
	}
	for _, name := range fleet.MigrationNames() {
		cmd.AddCommand(newMigrationCmd(root, name))
	}
	return cmd
}

func newMigrationCmd(root *rootOptions, name string) *cobra.Command {
	var opts migrateOptions
	help := migrationHelp[name]
	use := name + " --projects-in G | --project P | --group G"
	if name == fleet.MigrateJiraAuth {
		use = name + " --to 1|2 --projects-in G | --project P | --group G"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: help.short,
		Long:  help.long,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMigrate(cmd, root, name, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.projectsIn, "projects-in", nil, "every project under this group, subgroups included (repeatable)")
	f.StringArrayVar(&opts.include, "include", nil, "with --projects-in: only projects whose full path matches this glob (repeatable)")
	f.StringArrayVar(&opts.exclude, "exclude", nil, "with --projects-in: leave out projects whose full path matches this glob (repeatable)")
	f.StringArrayVarP(&opts.projects, "project", "p", nil, "a project, path or ID (repeatable)")
	f.StringArrayVarP(&opts.groups, "group", "g", nil, "a group itself, for its group-level integrations (repeatable)")
	f.StringVar(&opts.out, "out", "", "write the spec to this file (mode 0600) instead of stdout")
	f.IntVar(&opts.concurrency, "concurrency", 8, "targets read at once")
	switch name {
	case fleet.MigrateJiraAuth:
		f.IntVar(&opts.to, "to", 0, "the jira_auth_type to move to: 1 (personal access token) or 2 (Cloud service account, GitLab 19.0+)")
		_ = cmd.MarkFlagRequired("to")
	case fleet.MigrateTeamsConnectorToWorkflows:
		f.StringVar(&opts.webhooks, "webhooks", "", "directory of the webhook mapping: one file per scope holding its new URL (default: an ${env:…} reference per scope)")
	}
	if name != fleet.MigrateTeamsConnectorToWorkflows && name != fleet.MigrateJiraAuth {
		f.BoolVar(&opts.keepSource, "keep-source", false, "keep the source integration (jira-project-keys: project_key) instead of writing it absent")
	}
	cmd.MarkFlagsOneRequired("projects-in", "project", "group")
	return cmd
}

func runMigrate(cmd *cobra.Command, root *rootOptions, name string, opts migrateOptions) error {
	if (len(opts.include) > 0 || len(opts.exclude) > 0) && len(opts.projectsIn) == 0 {
		return fmt.Errorf("--include and --exclude filter --projects-in: add --projects-in GROUP")
	}
	var targets []fleet.Target
	for _, g := range opts.projectsIn {
		targets = append(targets, fleet.Target{ProjectsIn: g, Include: opts.include, Exclude: opts.exclude})
	}
	for _, p := range opts.projects {
		targets = append(targets, fleet.Target{Project: p})
	}
	for _, g := range opts.groups {
		targets = append(targets, fleet.Target{Group: g})
	}
	c, err := root.client()
	if err != nil {
		return err
	}
	bar := root.newProgress()
	spec, rep, err := fleet.Migrate(cmd.Context(), c, name, targets, fleet.MigrateOptions{
		To: opts.to, KeepSource: opts.keepSource, Webhooks: opts.webhooks,
		Concurrency: opts.concurrency, Progress: bar.event,
	})
	bar.finish()
	if err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	if opts.webhooks != "" {
		if err := fillMapping(opts.webhooks, rep); err != nil {
			return err
		}
	}
	if len(spec.Targets) == 0 {
		// A spec without targets is one plan refuses: write none.
		writeMigrateReport(cmd.ErrOrStderr(), rep)
		fmt.Fprintln(cmd.ErrOrStderr(), "nothing to migrate: no spec written")
		return nil
	}
	var buf bytes.Buffer
	if err := spec.WriteYAML(&buf); err != nil {
		return fmt.Errorf("writing the spec: %w", err)
	}
	if opts.out != "" {
		if err := os.WriteFile(opts.out, buf.Bytes(), 0o600); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	} else if _, err := cmd.OutOrStdout().Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the spec: %w", err)
	}
	writeMigrateReport(cmd.ErrOrStderr(), rep)
	return nil
}

// fillMapping creates the webhook mapping's directory and an empty file
// for each scope that has none yet, for the user to fill: plan refuses the
// spec while one is empty. Existing files are never touched.
func fillMapping(dir string, rep *fleet.MigrateReport) error {
	if len(rep.Secrets) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("--webhooks: %w", err)
	}
	for _, s := range rep.Secrets {
		path := strings.TrimSuffix(strings.TrimPrefix(s.Reason, "${file:"), "}")
		path = strings.ReplaceAll(path, "$${", "${")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if os.IsExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("--webhooks: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("--webhooks: %w", err)
		}
	}
	return nil
}

// writeMigrateReport prints what the user must know before planning: one
// line per item.
func writeMigrateReport(w io.Writer, rep *fleet.MigrateReport) {
	fmt.Fprintf(w, "%s: %d scope(s) migrated (GitLab %s)\n", rep.Migration, len(rep.Migrated), rep.ServerVersion)
	if len(rep.NotInstalled) > 0 {
		fmt.Fprintf(w, "the GitLab for Slack app is not installed in %d project(s), left out of the spec:\n", len(rep.NotInstalled))
		for _, s := range rep.NotInstalled {
			fmt.Fprintf(w, "  %s\n", s)
		}
		fmt.Fprintf(w, "to install it: %s\n", rep.InstallSteps)
	}
	section := func(title string, notes []fleet.MigrateNote) {
		if len(notes) == 0 {
			return
		}
		fmt.Fprintln(w, title)
		for _, n := range notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	section("not carried over:", rep.Dropped)
	section("fill before plan (secrets GitLab never reports):", rep.Secrets)
	section("notes:", rep.Notes)
}
