package fleet

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
)

// migrations maps each migration's name to what it reads and writes. The
// field mappings rest on GitLab's models:
//   - Slack notifications and the GitLab for Slack app share every chat
//     notification setting (Integrations::Base::SlackNotification with
//     SlackMattermostFields: channel, the per-event channels, events,
//     branches, labels and their behaviour, notify_only_*); webhook and
//     username exist only where requires_webhook? (not for the app), and
//     the app posts nowhere for an event with no channel.
//   - Slack slash commands have a token only (Base::SlashCommands).
//   - Microsoft Teams has a webhook, notify_only_broken_pipelines and
//     branches_to_be_notified (Base::MicrosoftTeams); a Workflows URL goes
//     in the same webhook field.
//   - Jira's project_key is the project vulnerability issues are created in
//     (required while vulnerabilities_enabled); project_keys lists whose
//     issues GitLab shows, blank meaning all. GitLab's own background
//     migration (BackfillJiraTrackerDataProjectKeys, 17.0 to 17.6) set
//     project_keys to [project_key] where project_keys was blank.
//   - Jira's jira_auth_type 0 is basic (username and password), 1 a
//     personal access token (no username; refused for Jira Cloud, whose
//     *.atlassian.net sites take basic only), 2 a Cloud service account
//     (no username; api_url https://api.atlassian.com/ex/jira/CLOUD_ID).
var migrations = map[string]migration{
	MigrateSlackToSlackApp: {
		source: "slack", target: "gitlab-slack-application",
		build: func(_ *migrator, pl *place, st *integrations.Settings[integrations.Values], r *scopeReport) (map[string]any, bool) {
			params := carried(pl, "slack", "gitlab-slack-application", st, map[string]string{
				"webhook":  "the app posts with its own Slack credentials; the incoming webhook is not used",
				"username": "the app posts as the GitLab app; a custom user name is not kept",
			}, r)
			if silent := silentEvents(st); len(silent) > 0 {
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "channel", Reason: "no channel is set for " + strings.Join(silent, ", ") + ": Slack notifications posted them to the webhook's own channel, the app posts them nowhere: add channel to the spec"})
			}
			return params, true
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
			key := strings.TrimSpace(asString(st.Properties["project_key"]))
			if key == "" {
				return nil, false
			}
			keys := stringList(st.Properties["project_keys"])
			if slices.Contains(keys, key) {
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "project_keys", Reason: "already lists " + key + ": left alone"})
				return nil, false
			}
			if len(keys) == 0 {
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "project_keys", Reason: "was blank (the issues of every Jira project shown): now " + key + "'s only, as GitLab's own backfill did; leave project_keys out of the spec to keep every project"})
			} else {
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "project_keys", Reason: key + " added to the keys there"})
			}
			params := jiraBase(st)
			params["project_keys"] = literal(append(keys, key))
			vulns, _ := st.Properties["vulnerabilities_enabled"].(bool)
			switch {
			case vulns:
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "project_key", Reason: "kept: vulnerability issues are created in it (vulnerabilities_enabled), and GitLab requires it then"})
			case m.opts.KeepSource:
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "project_key", Reason: "kept (--keep-source)"})
			default:
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
			cloud := jiraCloudSite(st)
			if m.opts.To == 1 && cloud != "" {
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "jira_auth_type", Reason: cloud + " is Jira Cloud, which GitLab lets use basic authentication or a service account (--to 2), not a personal access token: left alone"})
				return nil, false
			}
			params := jiraBase(st)
			params["jira_auth_type"] = m.opts.To
			if asString(st.Properties["username"]) != "" {
				params["username"] = ""
				r.dropped = append(r.dropped, MigrateNote{Scope: pl.text, Param: "username", Reason: "a personal access token or a service account takes no user name: cleared"})
			}
			if m.opts.To == 2 && !strings.HasPrefix(asString(st.Properties["api_url"]), jiraCloudAPI) {
				ref := "${env:" + envName("JIRA_CLOUD_API_URL_"+strings.TrimSuffix(cloud, ".atlassian.net")) + "}"
				if cloud == "" {
					ref = "${env:JIRA_CLOUD_API_URL}"
				}
				params["api_url"] = ref
				r.notes = append(r.notes, MigrateNote{Scope: pl.text, Param: "api_url", Reason: "a service account reaches Jira through " + jiraCloudAPI + "CLOUD_ID: set " + strings.TrimSuffix(strings.TrimPrefix(ref, "${env:"), "}") + " to it (Atlassian shows a site's cloud ID at https://SITE.atlassian.net/_edge/tenant_info)"})
			}
			r.dropped = append(r.dropped, MigrateNote{Scope: pl.text, Param: "password", Reason: "the basic authentication password or API token does not carry over: fill the reference with the new token"})
			needSecret(pl, r, params, "password")
			return params, true
		},
	},
}

// jiraCloudAPI is where a Jira Cloud service account's requests go, the
// site's cloud ID after it.
const jiraCloudAPI = "https://api.atlassian.com/ex/jira/"

// jiraCloudSite is the *.atlassian.net host of a Jira integration (its
// api_url, else its url, as GitLab's client_url), or "" for Jira Server
// and Data Center.
func jiraCloudSite(st *integrations.Settings[integrations.Values]) string {
	raw := asString(st.Properties["api_url"])
	if raw == "" {
		raw = asString(st.Properties["url"])
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if strings.HasSuffix(host, ".atlassian.net") {
		return host
	}
	return ""
}

// silentEvents lists the events a Slack integration notifies of that have
// neither a channel of their own nor the default channel.
func silentEvents(st *integrations.Settings[integrations.Values]) []string {
	if strings.TrimSpace(asString(st.Properties["channel"])) != "" {
		return nil
	}
	src, _ := integrations.Lookup("slack")
	app, _ := integrations.Lookup("gitlab-slack-application")
	var out []string
	for _, p := range src.Parameters {
		event, ok := strings.CutSuffix(p.Name, "_events")
		if !ok {
			continue
		}
		// issues_events → issue_channel, merge_requests_events →
		// merge_request_channel, push_events → push_channel.
		ch := strings.TrimSuffix(event, "s") + "_channel"
		if _, has := app.Parameter(ch); !has {
			continue
		}
		if on, _ := reported(p, st); on != true {
			continue
		}
		if strings.TrimSpace(asString(st.Properties[ch])) == "" {
			out = append(out, p.Name)
		}
	}
	return out
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
