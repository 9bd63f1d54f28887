// Package fleet keeps the integrations of many GitLab projects and groups
// in a desired state: a spec (YAML, or Go values) says which integrations
// each target has and with which settings; NewPlan shows exactly what would
// change; Apply makes it so; Export writes the spec of what is there now.
//
// # The spec
//
//	version: 1
//	targets:
//	  - projects_in: acme            # every project under the group, subgroups included
//	    include: ["acme/web*"]       # optional globs on the full path; ** crosses "/"
//	    exclude: ["acme/legacy/**"]
//	    integrations:
//	      slack:                     # slugs as in the API; parameters under their API names
//	        webhook: ${env:SLACK_WEBHOOK}
//	        channel: "#deploys"
//	        pipeline_events: true
//	      emails-on-push: absent     # disabled
//	      mattermost: inherit        # the group's settings (use_inherited_settings)
//	  - project: acme/api            # one project, by full path or numeric ID
//	    integrations:
//	      jira:
//	        url: https://jira.example.com
//	        password: ${file:/run/secrets/jira}
//	  - group: acme                  # the group itself (group-level integrations)
//	    integrations:
//	      mattermost:
//	        webhook: ${env:MATTERMOST_WEBHOOK}
//
// An integration is absent, inherit, present (set up, nothing managed
// beyond that), or its parameters. A parameter left out is not managed.
// Among the parameters, "active: true" and "use_inherited_settings: false"
// are accepted and say what parameters already mean (set up, with its own
// settings): active is not sent, and every create and every update of an
// inheriting integration sends use_inherited_settings false itself (a
// group's integration created in the same apply reaches the scopes below
// it first); "active: false" is refused (write
// absent to disable) and so is "use_inherited_settings: true" (write
// inherit).
// Values are strings, booleans, whole numbers or lists of strings, of the
// type the catalog (integrations.Catalog) gives the parameter; a number
// where a string is wanted is taken as its text, and a list where GitLab
// reads a string as a comma-separated list (recipients, channels, labels)
// is joined with ",". The parameters GitLab
// requires on every change (secrets among them) must be given wherever an
// integration is present.
//
// YAML anchors, aliases and merge keys work as usual; top-level keys
// starting with "x-" are left alone, a place to put what anchors share:
//
//	x-slack: &slack
//	  webhook: ${env:SLACK_WEBHOOK}
//	  channel: "#deploys"
//	targets:
//	  - project: acme/web
//	    integrations: {slack: *slack}
//	  - project: acme/api
//	    integrations:
//	      slack: {<<: *slack, channel: "#api"}
//
// Targets naming the same project or group merge in order: a later target
// overrides an earlier one for the same integration, parameter by
// parameter (or whole, when either says absent or inherit), and the plan
// notes it ("channel: fleet.yaml:14 overrides fleet.yaml:8"). A project is
// the same one when its full path is, without regard to case; a numeric ID
// is its own target.
//
// Any string may hold ${env:NAME} (an environment variable) or
// ${file:PATH} (a file's content, one trailing newline removed; a relative
// PATH is relative to the working directory; a regular file of at most 64
// KiB, so that a FIFO or /dev/zero is an error, not a hang); $${ writes a
// literal "${". Export writes every "${" of GitLab's values as "$${", so
// that a value typed into GitLab never becomes a reference.
// NewPlan resolves the references of every value a change will send, to
// compare a non-secret value (a secret only with a state file holding its
// fingerprint) and to list in Plan.Unresolved each one it cannot resolve,
// with its spec line and the changes that need it; no value is ever shown.
// Such a plan still holds (a merge-request pipeline plans without the
// secrets only the apply job has), and WriteText prints "! apply will need
// SLACK_WEBHOOK, not set here" under each change that needs it. Apply
// resolves every reference before its first request that changes
// anything, and refuses the whole plan, sending nothing, with a *SpecError
// listing each one it cannot resolve.
//
// A spec is one YAML document of UTF-8 text, at most 16 MiB (MaxSpecSize),
// whose aliases repeat at most 250,000 YAML nodes (MaxAliasNodes). A plain
// scalar written for a string parameter is its text as written (0042 stays
// "0042", 0x1F "0x1F").
//
// ParseSpec reports every problem of a spec at once, each as
// "file:line: message" naming what would be right: an unknown integration
// or parameter (with the closest name), a wrong type, a value not allowed,
// a project-only integration on a group, a malformed reference, a target
// naming no place or two. Required parameters are checked once targets are
// merged, by NewPlan, before it reads any integration.
//
// NewPlan also refuses, in one *SpecError listing every problem with its
// spec line, what GitLab would refuse at apply: a project:, group: or
// projects_in: that does not exist (with the closest existing paths of the
// group above: "project acme/wbe does not exist (did you mean
// acme/web?)"), include:/exclude: globs that leave none of the group's
// projects (naming the projects there and the closest), and an inherit
// that no group above can serve, since none has the integration set up
// with its own settings, now or by the same spec. Each group above is read
// once per plan; a target named by numeric ID is not checked for
// inheritance. A scope that cannot be read (other than not existing) is an
// error naming the target's spec line. Every change records the spec line
// that decides it (Change.Where).
//
// # How the plan compares
//
// NewPlan reads with as few requests as GitLab allows: one List per
// project or group, and a Get only for an integration the spec wants
// present that is active and does not inherit. With a state file
// (PlanOptions.StateFile) it reads only what changed: the plan records
// there, per GitLab, scope and integration, the updated_at, flags and
// non-secret values it compared, and the next plan compares from the
// record when the List shows the same updated_at and flags, so that an
// unchanged fleet costs one List a project. A record is made only when the
// read came in a later second of GitLab's clock (the List's Date) than the
// updated_at it shows, so that no later change can show the same
// updated_at; Apply forgets the records of what it changes; inheriting
// integrations and records of another GitLab are never used;
// PlanOptions.Refresh (plan --refresh) reads everything. A change GitLab
// makes without moving updated_at (a data migration, say) is seen only
// with Refresh. It then compares field by field as GitLab behaves:
//
//   - Secrets (passwords, tokens, webhook URLs) are write-only: GitLab
//     never reports them, so they never drift by themselves, and every
//     update sends them again, since GitLab requires them on every change.
//     With a state file (PlanOptions.StateFile), Apply records a keyed,
//     slow fingerprint of each secret it sent (PBKDF2-HMAC-SHA256,
//     FingerprintIterations rounds, never the value), and a later plan
//     reports a secret whose reference now resolves to another value as
//     an update, "(secret changed)". The key is not in the state file: it
//     is GITLAB_INTEGRATIONS_STATE_KEY (StateKeyEnv) when set, else the
//     file gitlab-integrations/state.key (mode 0600, made on the first
//     apply) in os.UserConfigDir. Applies sharing a state file merge
//     their records under a lock file (STATE.lock).
//   - A secret whose value is new to GitLab (a webhook that replaces an
//     old one, a rotated token) is marked "!new" in the spec
//     ("webhook: !new ${env:TEAMS_WEBHOOK}", Desired.NewSecrets): it is
//     planned as an update, "(new secret)", unless the state file records
//     this very value, so with a state file it is sent once and the next
//     plan is clean; without one, every plan sends it again.
//   - Parameters current GitLab ignores never drift; flags it accepts but
//     never reports (work_item_events, Datadog's build_events, …) are
//     noted as "cannot be verified" instead of planned as changes. Both are
//     sent with every change.
//   - Lists compare as sets of trimmed items: arrays, comma-separated lists
//     of allowed values, recipients, channels and labels. A value GitLab
//     reports as null equals an empty one.
//   - An integration that inherits is not read: wanting it present plans
//     an update that stops inheriting and sends every managed parameter
//     (use_inherited_settings: false); wanting it inherited is a no-op.
//     Inheriting sends use_inherited_settings: true with a placeholder for
//     each required parameter ("inherited"), which GitLab checks for and
//     then replaces with the group's values.
//   - Disabling is a Delete, which GitLab also uses to reset the settings.
//   - The GitLab for Slack app and the GitLab for Jira Cloud app cannot be
//     created through the API; the plan says so.
//
// The plan prints like terraform plan (WriteText) and marshals to JSON
// for machines and for a later Apply (ReadPlan). Neither ever holds a
// secret value: secrets are "(secret)" in fields and stay references in
// what Apply will send; a secret written as a plain value in a spec is
// kept in memory only, so Apply of a saved plan refuses it before sending
// anything. Apply of a saved plan first reads every change's integration
// (under ApplyOptions.Concurrency) and, when any moved since the plan was
// made (its updated_at changed, it is gone, or it was set up since),
// refuses the whole plan once, sending nothing: "the plan is stale: 62 of
// 62 changes changed on GitLab since it was made; first: …; run plan
// again", an error matching ErrStale.
//
// # Export
//
// Export writes the spec that reproduces what is there now: every
// reported parameter, "inherit" where the group's settings are used, and
// every secret as an ${env:NAME} reference: SLUG_PARAM ("SLACK_WEBHOOK")
// when one scope of the export has it, PATH_SLUG_PARAM
// ("ACME_WEB_JIRA_PASSWORD", "GROUP_ACME_SLACK_WEBHOOK") when several do.
// Planning an export against the same GitLab shows no changes; applying an
// earlier export rolls back.
//
// # Inheritance
//
// GitLab copies a group's integration to the subgroups and projects below
// it that have none or inherit, in background workers some time after the
// group's change. An inheriting integration plans and exports as
// "inherit", whatever the group's settings: a change to the group is never
// drift below it. Audit covers a projects_in tree's groups too and says of
// each inheriting entry where its settings come from (InheritedFrom: the
// nearest group above with settings of its own, the one GitLab links it
// to). Overrides lists, for each integration active on a group of a tree,
// the descendants with settings of their own and the non-secret fields in
// which they differ from what they would inherit. WaitPropagated, after an
// Apply that changed group integrations, reads what inherits them until it
// shows the group's settings, and returns ErrNotPropagated for those that
// did not in time. Current GitLab enqueues the copy after a group's PUT
// through the API too; older versions only after a save in the web UI
// (see package integrationstest), and against those WaitPropagated may
// wait in vain after an API change, reporting every descendant that did not follow.
//
// # Migrations
//
// Migrate writes the spec that moves a fleet off an integration GitLab
// retires, for review; it changes nothing, and the spec goes through
// NewPlan and Apply like any other. The names (MigrationNames):
// slack-to-slack-app (slack to gitlab-slack-application, every chat
// setting but webhook and username), slack-slash-commands-to-slack-app,
// teams-connector-to-workflows (microsoft-teams, every setting, a new
// webhook), jira-project-keys (project_key into project_keys) and
// jira-auth (basic authentication to jira_auth_type MigrateOptions.To, 1
// or 2). Values read from GitLab are escaped as Export's; secrets are
// references named as Export's, or, with MigrateOptions.Webhooks, files
// of a webhook mapping (one per scope). The MigrateReport lists what does
// not carry over and why, the references to fill, and the projects where
// the GitLab for Slack app is not installed, which the spec leaves alone.
//
// Where GitLab's version decides, Migrate and NewPlan read
// Client.ServerVersion: jira_auth_type 2 before GitLab 19.0 is refused by
// Migrate and, as a change, by NewPlan (a *SpecError at its spec line);
// Slack slash commands set up on GitLab 19.0 or later are refused by
// NewPlan, and Migrate reports there is nothing left to migrate. The
// version is read only when a change needs it. NewPlan also refuses a
// required parameter whose reference resolves to blank text (an empty
// mapping file, a variable set to ""), since GitLab refuses it on any
// change; a reference that does not resolve at all is listed in
// Plan.Unresolved, and Apply refuses it.
//
// # Policy checks
//
// A policy is a YAML file of rules that Check (and "gitlab-integrations
// check -f POLICY") compares with what GitLab has, without changing
// anything:
//
//	version: 1
//	rules:
//	  - name: jira-everywhere
//	    targets: [{projects_in: acme, exclude: ["acme/sandbox/**"]}]
//	    require: jira                    # active on every target scope
//	  - name: no-asana
//	    targets: [{projects_in: acme}]
//	    forbid: asana                    # active nowhere
//	  - name: slack-channels
//	    targets: [{projects_in: acme}]
//	    integration: slack               # where active, its settings must satisfy:
//	    parameters:
//	      channel: {matches: "^#ops-"}
//	    events:
//	      pipeline_events: true
//	  - name: jira-host
//	    targets: [{group: acme}, {projects_in: acme}]
//	    integration: jira
//	    parameters:
//	      url: {host_in: [jira.example.com]}
//
// Each rule has a name unique in the policy, targets written as a spec's
// (project:, group:, projects_in: with include: and exclude: globs; no
// integrations:), and exactly one of require: (the integration is active
// on every target scope), forbid: (active on none) and integration: (where
// it is active, its settings satisfy the conditions; where it is not, the
// rule holds). require: may have conditions too; forbid: has none.
// parameters: maps a parameter's API name to conditions, all of which
// must hold: equals: V, one_of: [V, …] (V of the parameter's type),
// matches: a regular expression (RE2, unanchored; for a list, every item)
// and host_in: [host, …] (the host of a URL, without regard to case;
// "*.example.com" for every host under it). events: maps an event flag to
// true (on) or false (off). An integration inherited from a group counts
// as active, with the settings it inherits, and findings say "(inherited)".
//
// A policy is read as a spec is (at most MaxSpecSize, aliases bounded) and
// refused, every problem at once with its file:line, before any request:
// an unknown key (with the closest right one), an unknown integration,
// parameter or event, a value of the wrong type, an invalid regular
// expression, a rule with none or several of require:, forbid: and
// integration:, a duplicate name, and a condition on a secret: secrets
// cannot be read from GitLab, which never reports them. A projects_in
// group, project or group that does not exist, and globs that leave no
// project, are refused after listing the projects, before any
// integration is read.
//
// Check reads as few requests as NewPlan: one List per scope, whatever
// the number of rules covering it, and a Get only where a rule has
// conditions on the parameters of an integration active there. Its
// CheckReport lists every Finding (rule, where, scope, integration,
// message) and every CheckCase (rule × scope); CheckReport.WriteJUnit
// writes the JUnit XML of GitLab's unit test reports, one test case per
// rule and scope, so that a CI job's artifacts:reports:junit shows the
// findings in the merge request.
package fleet
