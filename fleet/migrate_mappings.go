package fleet

import (
	"slices"
	"strconv"

	"github.com/gitlabkit/integrations"
)

// migrations maps each migration's name to what it reads and writes. The
// field mappings follow the SDK's catalog (integrations.Lookup): a setting
// carries over when the target has a parameter of the same name and type
// (the GitLab for Slack app shares every chat notification setting of Slack
// notifications but the webhook and username; Slack slash commands have a
// token only; a Teams Workflows webhook replaces the connector's). They are
// still to be checked against GitLab's models (app/models/integrations/
// slack.rb, gitlab_slack_application.rb, base/chat_notification.rb,
// slack_slash_commands.rb, microsoft_teams.rb, jira.rb).
var migrations = map[string]migration{
	MigrateSlackToSlackApp: {
		source: "slack", target: "gitlab-slack-application",
		build: func(_ *migrator, pl *place, st *integrations.Settings[integrations.Values], r *scopeReport) (map[string]any, bool) {
			return carried(pl, "slack", "gitlab-slack-application", st, map[string]string{
				"webhook":  "the app posts with its own Slack credentials; the incoming webhook is not used",
				"username": "the app posts as the GitLab app; a custom user name is not kept",
			}, r), true
		},
	},
	MigrateSlashCommandsToSlackApp: {
		source: "slack-slash-commands", target: "gitlab-slack-application",
		build: func(_ *migrator, pl *place, _ *integrations.Settings[integrations.Values], r *scopeReport) (map[string]any, bool) {
			r.dropped = append(r.dropped, MigrateNote{Scope: pl.text, Param: "token", Reason: "the app's /gitlab command is verified by the app itself; the slash command's token is not used (remove the slash command from Slack)"})
			return nil, true
		},
	},
	MigrateTeamsConnectorToWorkflows: {
		source: "microsoft-teams", target: "microsoft-teams",
		build: func(_ *migrator, pl *place, st *integrations.Settings[integrations.Values], r *scopeReport) (map[string]any, bool) {
			params := carried(pl, "microsoft-teams", "microsoft-teams", st, nil, r)
			r.dropped = append(r.dropped, MigrateNote{Scope: pl.text, Param: "webhook", Reason: "GitLab never reports the connector's webhook, and a Workflows webhook is a new URL: create the workflow in Teams and fill the reference"})
			needSecret(pl, r, params, "webhook")
			return params, true
		},
		fresh: []string{"webhook"},
	},
	MigrateJiraProjectKeys: {
		source: "jira", target: "jira",
		build: func(m *migrator, pl *place, st *integrations.Settings[integrations.Values], r *scopeReport) (map[string]any, bool) {
			key := asString(st.Properties["project_key"])
			if key == "" {
				return nil, false
			}
			keys := stringList(st.Properties["project_keys"])
			for _, k := range splitKeys(key) {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
			params := jiraBase(st)
			params["project_keys"] = literal(keys)
			if m.opts.KeepSource {
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "project_key", Reason: "kept (--keep-source)"})
			} else {
				params["project_key"] = ""
			}
			needSecret(pl, r, params, "password")
			return params, true
		},
	},
	MigrateJiraAuth: {
		source: "jira", target: "jira",
		build: func(m *migrator, pl *place, st *integrations.Settings[integrations.Values], r *scopeReport) (map[string]any, bool) {
			now, _ := toInt(st.Properties["jira_auth_type"])
			if now != 0 {
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "jira_auth_type", Reason: "is " + strconv.Itoa(int(now)) + ", not basic authentication: left alone"})
				return nil, false
			}
			params := jiraBase(st)
			params["jira_auth_type"] = m.opts.To
			switch m.opts.To {
			case 1:
				if asString(st.Properties["username"]) != "" {
					params["username"] = ""
					r.dropped = append(r.dropped, MigrateNote{Scope: pl.text, Param: "username", Reason: "a Jira personal access token needs no user name: cleared"})
				}
			case 2:
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "username", Reason: "must be the service account's email: change it in the spec if it is a person's"})
				if u := asString(st.Properties["username"]); u != "" {
					params["username"] = literalText(u)
				}
			}
			r.dropped = append(r.dropped, MigrateNote{Scope: pl.text, Param: "password", Reason: "the basic authentication password or API token does not carry over: fill the reference with the new token"})
			needSecret(pl, r, params, "password")
			return params, true
		},
	},
}

// jiraBase is what every Jira change must send: its url (required on
// every change), and api_url when set, escaped as Export's values.
func jiraBase(st *integrations.Settings[integrations.Values]) map[string]any {
	params := map[string]any{"url": literalText(asString(st.Properties["url"]))}
	if u := asString(st.Properties["api_url"]); u != "" {
		params["api_url"] = literalText(u)
	}
	return params
}

// stringList reads a list GitLab reports, as JSON decodes it.
func stringList(v any) []string {
	var out []string
	switch x := v.(type) {
	case []string:
		out = append(out, x...)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
