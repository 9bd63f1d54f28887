// Package integrationstest is an in-memory GitLab that serves the
// Integrations API, for testing code that uses package integrations (or any
// other GitLab client) without a GitLab, in the spirit of net/http/httptest.
//
// A Server listens on a loopback port. The test creates the projects and
// groups it needs, then points a client at URL with the Token the server
// issued:
//
//	srv := integrationstest.NewServer()
//	defer srv.Close()
//	id := srv.AddProject("acme/web")
//	c, err := srv.NewClient() // or integrations.NewClient(srv.Token(), integrations.WithBaseURL(srv.URL()))
//	_, err = c.Slack.Set(ctx, integrations.ProjectID(id), &integrations.SlackOptions{Webhook: "https://hooks.slack.com/services/T0/B0/X"})
//
// The server is driven by integrations.Catalog(), so it knows every
// integration the SDK knows, at the levels GitLab offers it, with every
// parameter's type, required flag and allowed values. It answers as GitLab
// does:
//
//   - GET …/integrations lists the active integrations, without properties.
//   - GET …/integrations/:slug returns the integration with its properties
//     (secrets and webhook URLs left out), or 404 "404 Integration Not
//     Found" when it was never set up.
//   - PUT validates every parameter (400 {"error":"url is missing, …"},
//     "… is invalid", "… does not have a valid value"), drops unknown and
//     ignored ones, stores the settings, turns the integration on and
//     answers 200 with the full object.
//   - DELETE answers 204, turns the integration off and resets its settings
//     (event flags are kept).
//   - An unknown slug, project or group, a project-only integration on a
//     group, a missing or wrong token (401) and a token whose user is not a
//     Maintainer (403) each get GitLab's status and body.
//
// The group tree is derived from the paths given to AddProject and AddGroup
// (AddProject("acme/sub/web") implies the groups acme and acme/sub):
// GET /groups/:id/projects (include_subgroups, archived, per_page, page,
// order_by=id, sort, and keyset pagination with pagination=keyset and
// id_after), GET /groups/:id/descendant_groups and GET /groups/:id/subgroups
// answer with GitLab's pagination headers (X-Total, X-Total-Pages,
// X-Per-Page, X-Page, X-Next-Page, X-Prev-Page, Link) and GitLab's
// order. Server.ArchiveProject archives a project;
// WithoutKeysetPagination plays a server without keyset pagination.
//
// Server.AddMergeRequest opens a merge request whose notes the server
// serves (GET with GitLab's pagination headers, POST, PUT by the note's
// author), and Server.MergeRequestNotes shows what was posted, for code that
// comments on merge requests.
//
// Projects and groups are addressed by numeric ID or by URL-encoded full
// path ("acme%2Fweb"), compared without regard to case, as GitLab does; the
// legacy /projects/:id/services alias works too.
//
// Faults on demand test what code does when GitLab misbehaves: WithRateLimit
// (429 with Retry-After, and RateLimit-* headers on every answer),
// WithFailEvery and Server.FailNext (injected error answers), WithLatency.
// Server.Requests returns what the server received (method, path, query,
// headers without token values, body) to assert what a client sent. The log
// keeps the 10,000 most recent requests within 32 MiB, and each body up to
// 64 KiB (WithRequestLogLimit, WithRequestLogBytes). Like GitLab behind
// nginx, the server drops a connection whose request header and body take
// longer than 60 s to arrive (WithReadTimeout). Printing a *Server shows its
// URL, never its tokens.
//
// Integrations removed from current GitLab (Flowdock, Jenkins CI
// (deprecated), Prometheus, Slack slash commands) are answered as current
// GitLab answers them, as unknown slugs, unless WithRemovedIntegrations asks
// the server to behave like an older GitLab that still serves them.
// WithLegacyServicesOnly plays a GitLab before 14.4, which has the project
// endpoints below /projects/:id/services only, and WithVersion sets what
// GET /version and GET /metadata report (DefaultVersion unless given; no
// /metadata before 15.2).
//
// The GitLab for Slack app and GitLab for Jira Cloud app integrations cannot
// be created through the API (GitLab answers 422); Server.InstallApp plays
// the installation flow that creates them, after which PUT updates them.
//
// # Inheritance
//
// A group's integration reaches what is below it as in GitLab, where an
// inheriting integration is a copy of its group's settings that names the
// group's record (inherit_from_id), rewritten by background workers after
// the group's integration is saved. The rules, from gitlab-org/gitlab:
//
//   - After a group's integration is saved, every subgroup and project
//     below it without that integration gets a copy of its settings, flags
//     and active state, inheriting (answers say "inherited": true), and
//     every one below that inherits from this group or a group above it
//     gets the new settings; the others keep their own
//     (app/services/integrations/propagate_service.rb,
//     Integration.inherited_descendants_from_self_or_ancestors_from in
//     app/models/concerns/integrations/base/integration.rb,
//     app/services/integrations/propagation/bulk_create_service.rb and
//     bulk_update_service.rb). The copies name the group's own source:
//     the group's record, or the one it inherits from itself
//     (propagation/bulk_operation_hashes.rb). Copying sets the copies'
//     updated_at (and created_at of a new one) to the time of the copy.
//   - The copy runs in Sidekiq (app/workers/propagate_integration_worker.rb)
//     with the group's settings as they are when it runs:
//     WithPropagationDelay plays the wait, PendingPropagations and
//     FinishPropagation inspect and end it.
//   - PUT with use_inherited_settings true, or without it while the
//     integration inherits, links the integration to the nearest group
//     above whose integration has settings of its own, active or not
//     (Integration.closest_group_integration), and ignores the values
//     sent; with none, 400 "Default integration not found.". A project
//     gets that group's settings at once; a group is only linked, and
//     gets them when the group above is next copied
//     (app/services/integrations/update_service.rb). use_inherited_settings
//     false, or left out while not inheriting, saves the values sent as
//     the integration's own.
//   - DELETE turns the integration off and resets its fields, leaving the
//     link as it was (lib/api/integrations/integratable_operations.rb): on
//     a group, the copy then turns the inheriting descendants off too,
//     still inheriting, and a later PUT on the group turns them on again.
//   - Server.ResetIntegration plays the Reset button of a group's
//     integration page (Integrations::Actions#reset): the group's
//     integration is destroyed, and the inheriting ones below with it
//     (inherit_from_id's foreign key is ON DELETE CASCADE,
//     db/migrate/…_change_services_inherit_from_id_foreign_key.rb).
//   - A project or group added (AddProject, AddGroup, or a group implied
//     by a path) below a group whose integration is active with settings
//     of its own starts with an inheriting copy of the nearest such
//     group's (Projects::CreateService and Groups::CreateService call
//     Integration.create_from_default_integrations).
//   - Installing the GitLab for Slack app on a group copies it below too
//     (app/services/integrations/slack_installation/base_service.rb).
//
// # Where it knowingly differs from GitLab
//
//   - Validation: Grape's checks (presence, type, allowed values) and the
//     model's checks the catalog records are made, with GitLab's messages:
//     required parameters not blank, URL fields (public_url's "is blocked:
//     Only allowed schemes are http, https" and "must be a valid URL", by
//     the shape integrations.FormatURL describes), lengths ("is too long
//     (maximum is 255 characters)") and patterns ("is invalid"). The model's
//     other checks are not (blocked local addresses and DNS, e-mail format,
//     Discord's https and discord.com host, Confluence's atlassian.net
//     host, one of Datadog's site and api_url, Jira's connection test). Allowed
//     values of a comma-separated list (jira_cloud_app_deployment_gating_environments)
//     are checked with Grape's message, where GitLab's model reports them.
//     The model's message prints the Ruby 3.3 hash form
//     ({:url=>["can't be blank"]}); GitLab on Ruby 3.4 prints {url: [...]}.
//     The text for a body that is not JSON was not checked against GitLab.
//   - Defaults: a property never set is reported as null, where GitLab
//     reports some model defaults (such as branches_to_be_notified
//     "default"). A new integration's event flags start at the defaults of
//     GitLab's integrations table; alert_events is taken to start false.
//   - Inheritance: there are no instance-level defaults, and a group's
//     PUT and DELETE through the API start the copy to its descendants,
//     as the save on the group's integration page does
//     (Integrations::Actions#update enqueues PropagateIntegrationWorker).
//     The API's PUT goes through Integrations::UpdateService
//     (lib/api/integrations/integratable_operations.rb): current versions
//     of it enqueue PropagateIntegrationWorker after a successful change of
//     a group's integration, as the fake does; earlier ones did not, and
//     there a change made through the API reached the descendants only
//     when the group was next saved in the web UI. The API's DELETE, in
//     the version read, updates the record directly and enqueues nothing:
//     on GitLab the copies below would keep the group's old settings (and
//     stay active) until the group is next propagated; the fake copies the
//     reset at once (or after WithPropagationDelay).
//   - Availability: every integration served is available, as on a GitLab
//     EE development instance with everything enabled: the GitLab for Slack
//     app and Jira Cloud app without their instance settings, the Google
//     Cloud integrations off GitLab.com, premium ones, the development-only
//     mock-ci and mock-monitoring. vulnerability_events (EE) is always sent.
//   - Removed integrations: WithRemovedIntegrations serves the four at once,
//     with the parameters they last had, beside the group endpoints (GitLab
//     17.9); no single GitLab version did.
//   - Rate limit: one fixed one-second window counts every request, whoever
//     sends it; GitLab has several throttles (per user, per IP, per
//     endpoint), mostly over a minute. RateLimit-Name is always
//     throttle_authenticated_api.
//   - Tokens: every token the server issued works in every header. GitLab
//     accepts CI job tokens on a short list of endpoints only (this API is not
//     among them, as far as we know) and checks scopes and expiry. A
//     token's role holds on every project and group, and every project is
//     visible to every token. Sudo is ignored.
//   - Not served: the slash-command trigger endpoint, If-Unmodified-Since
//     (412) on DELETE, request IDs, any other part of GitLab's API. updated_at changes on every PUT, even one
//     that changes nothing.
//   - IDs are small and sequential; projects and groups have separate ID
//     sequences. The groups above every path given to AddProject or
//     AddGroup exist (there are no users' namespaces).
//   - Faults (WithFailEvery, FailNext) answer before the request is served,
//     so a failed request never changed anything; a real GitLab can fail
//     after the change was made.
package integrationstest
