package main

import (
	"fmt"
	"regexp"
	"strings"
)

// proseRewrites turn the research's working vocabulary (the "seed" doc,
// OpenAPI snapshot hashes, Grape, helper files, model flags) into what a
// user reading a field's doc comment needs: which GitLab versions do what.
// The seed is GitLab's Integrations API documentation of about 14.8.
var proseRewrites = []struct{ old, new string }{
	{"Seed-only leftover (tracker description/title); not declared by the API in any helper version read (14.x onward).",
		"Listed in the GitLab 14.8 documentation but never accepted by the API."},
	{"Documented in the seed doc only; not a declared API parameter now.",
		"Listed in the GitLab 14.8 documentation only; the API does not accept it."},
	{"Seed doc claimed it toggles activation; never a declared param (PUT always activates).",
		"The GitLab 14.8 documentation said it toggles activation; the API never accepted it (Set always activates)."},
	{"Seed: also email the person who pushed. Not declared by the API in the helper versions read.",
		"Also email the person who pushed, said the GitLab 14.8 documentation; the API never accepted it."},
	{"Not declared in any helper version read (14.x onward).", "The API never accepted it (14.x onward)."},
	{" (newer than the seed)", " (added after GitLab 14.8)"},
	{"; newer than the seed", "; added after GitLab 14.8"},
	{"exposes_secrets: changing it", "Changing it"},
	{"exposes_secrets; added 17.1.", "Changing it clears the stored secrets unless they are sent again. Added in GitLab 17.1."},
	{"exposes_secrets.", "Changing it clears the stored secrets unless they are sent again."},
	{"EE only (added by ee/lib/ee/api/helpers/integrations_helpers.rb).", "GitLab EE only."},
	{"Very recent: present in the newest OpenAPI snapshot (41946e65), absent in the older one (0338625c).",
		"Recent: accepted from GitLab 19.0; older servers ignore it."},
	{"(only in the newest OpenAPI snapshot 41946e65; older snapshot documents 0/1)", "(from GitLab 19.0; older servers accept 0 and 1)"},
	{"Was required in the seed; optional since PAT auth", "Optional since personal access token authentication"},
	{"Grape type is String because the field has no checkbox type;", "The API declares it a string, not a boolean:"},
	{"EE (Ultimate). Docs say number; Grape type String.", "GitLab Ultimate. GitLab's documentation says number; the API declares a string."},
	{"Docs say integer; Grape declares String (text field).", "GitLab's documentation says integer; the API declares a string."},
	{"Docs say integer; Grape declares String (validated as integer).", "GitLab's documentation says integer; the API declares a string holding an integer."},
	{"Declared required:true by the 14.x/16.x helpers.", "Required by GitLab 14.x to 16.x."},
	{"api_only, not flagged secret; echoed in properties by the generic rule.",
		"GitLab does not flag it secret and returns it in properties; the SDK redacts it all the same."},
	{"Field is api_only and NOT flagged is_secret in the model, so by the generic rule it is echoed in `properties`.",
		"GitLab does not flag it secret and returns it in properties; the SDK redacts it all the same."},
	{"Still a jira_tracker_data column and still in the docs, but not declared by the current API (only a data_field, not a `field`), so Grape drops it. It was declared by the older hand-written Jira param list.",
		"Still documented, but current servers no longer accept it and drop it; GitLab 14.x accepted it."},
	{"In 14.x the field type was text so GET echoed it (seed example); since it became a password field it is no longer echoed.",
		"GitLab 14.x returned it in answers; later versions treat it as a password and never return it."},
	{"Model default is `all`; the generated OpenAPI description wrongly says `default`.",
		"GitLab's default is `all` (its own API description wrongly says `default`)."},
	{"Required by model validation when gating is enabled.", "GitLab requires it when gating is enabled."},
	{"Still declared for backward compatibility; GET always reports true.",
		"Accepted for backward compatibility; GitLab always reports true."},
	{"Current docs say required; the API declares it optional.",
		"GitLab's documentation says required; the server accepts it as optional."},
	{"Legacy boolean replaced by branches_to_be_notified; documented but never declared for this integration.",
		"Documented for this integration once, but the server never accepted it; branches_to_be_notified replaced it."},
	{"EE-only, recent; not in the project_integrations.md version read.", "GitLab EE only; added recently."},
	{"Passing it has no effect: declared_params excludes it and PUT merges active: true.",
		"Sending it has no effect: the server drops it, and Set always activates the integration."},
	{"Slack notifications do not support commit events; never a declared param.",
		"Slack notifications have no commit events; the server never accepted it."},
	{"Slack notifications do not support job events; never a declared param (job_events is only a response field).",
		"Slack notifications have no job events; the server never accepted it (job_events appears in answers only)."},
	{"Only mounted when Rails runs in development/test (Gitlab.dev_or_test_env?).",
		"Served only by GitLab instances running in development or test mode."},
	{"Deprecated (docs removed; planned move to JiHu edition) but still declared in the API.",
		"GitLab deprecated it (its documentation was removed; it is planned to move to the JiHu edition), but the API still serves it."},
	{"push/MR/tag", "push, merge request and tag"},
	{"push/MR", "push and merge request"},
	{"commit/MR", "commit or merge request"},
}

// jargon is what must not reach a doc comment after the rewrites.
var jargon = regexp.MustCompile(`(?i)\bseed\b|snapshot|41946e65|0338625c|exposes_secrets|api_only|\bGrape\b|helper|ee/lib|is_secret|data_field|` +
	`declared_params|declared param|never declared|still declared|project_integrations|version read|\bRails\b|dev_or_test_env|\bMR\b|\bdocs\b`)

// userProse rewrites research vocabulary in a description or note, and
// fails when some is left, so that a new research phrase gets a rule.
func userProse(where, s string) (string, error) {
	for _, r := range proseRewrites {
		s = strings.ReplaceAll(s, r.old, r.new)
	}
	if m := jargon.FindString(s); m != "" {
		return s, fmt.Errorf("%s: research wording %q left in %q: add a rule to proseRewrites", where, m, s)
	}
	return s, nil
}
