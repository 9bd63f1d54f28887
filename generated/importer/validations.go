package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/gitlabkit/integrations/generated/desc"
)

// modelRule is a check GitLab's model makes when an integration is saved,
// beyond the API's own parameter types: the research file records the
// Grape parameters only, so these are read from GitLab's model sources.
type modelRule struct {
	format      string // "url": GitLab's public_url or addressable_url validator
	maxLength   int    // length: { maximum: n }
	pattern     string // format: { with: … } or numericality, as an anchored RE2 expression
	placeholder string // text the value should hold; GitLab does not refuse a value without it
	source      string // the GitLab file, and the validation it holds
}

// Paths of GitLab's model sources (gitlabhq/gitlabhq, the GitHub mirror
// of gitlab-org/gitlab), as the rules below cite them.
const (
	baseDir        = "app/models/concerns/integrations/base/"
	modelDir       = "app/models/integrations/"
	chatWebhook    = baseDir + "chat_notification.rb: validates :webhook, public_url: true (every chat integration that requires a webhook)"
	issueTrackerID = baseDir + "issue_tracker.rb: issue_url replaces :id in issues_url; no validation requires it"
)

// issueTracker is the rule set of the issue trackers whose project,
// issues and new-issue URLs are validated by public_url in their concern.
func issueTracker(file string, fields ...string) map[string]modelRule {
	src := baseDir + file + ": validates :" + strings.Join(fields, ", :") + ", presence: true, public_url: true"
	out := map[string]modelRule{}
	for _, f := range fields {
		out[f] = modelRule{format: "url", source: src}
	}
	out["issues_url"] = modelRule{format: "url", placeholder: ":id", source: src + "; " + issueTrackerID}
	return out
}

// chatChannels adds a url rule to the webhook of a chat integration.
func chatChannels() map[string]modelRule {
	return map[string]modelRule{"webhook": {format: "url", source: chatWebhook}}
}

// modelRules lists, by slug and parameter, the model validations the SDK
// checks before sending. Each cites the GitLab file it was read from.
var modelRules = map[string]map[string]modelRule{
	"harbor": {
		"url": {format: "url", source: baseDir + "harbor.rb: validates :url, public_url: true, presence: true, addressable_url: { allow_localhost: false, allow_local_network: false }"},
		"project_name": {maxLength: 255, pattern: `^[a-z0-9]+(?:[._-][a-z0-9]+)*$`, source: baseDir + "harbor.rb: validates :project_name, presence: true, " +
			"length: { maximum: MAX_PROJECT_NAME_LENGTH } (255); validates :project_name, format: { with: PROJECT_NAME_REGEXP }, allow_blank: true"},
	},
	"custom-issue-tracker": issueTracker("custom_issue_tracker.rb", "project_url", "issues_url", "new_issue_url"),
	"redmine":              issueTracker("redmine.rb", "project_url", "issues_url", "new_issue_url"),
	"bugzilla":             issueTracker("bugzilla.rb", "project_url", "issues_url", "new_issue_url"),
	"ewm":                  issueTracker("ewm.rb", "project_url", "issues_url", "new_issue_url"),
	"youtrack":             issueTracker("youtrack.rb", "project_url", "issues_url"),
	"phorge":               issueTracker("phorge.rb", "project_url", "issues_url"),
	"clickup":              issueTracker("clickup.rb", "project_url", "issues_url"),
	"bamboo": {
		"bamboo_url": {format: "url", source: baseDir + "bamboo.rb: validates :bamboo_url, presence: true, public_url: true"},
	},
	"teamcity": {
		"teamcity_url": {format: "url", source: baseDir + "teamcity.rb: validates :teamcity_url, presence: true, public_url: true"},
	},
	"jenkins": {
		"jenkins_url": {format: "url", source: modelDir + "jenkins.rb: validates :jenkins_url, presence: true, addressable_url: true"},
	},
	"drone-ci": {
		"drone_url": {format: "url", source: modelDir + "drone_ci.rb: validates :drone_url, presence: true, public_url: true"},
	},
	"buildkite": {
		"project_url": {format: "url", source: modelDir + "buildkite.rb: validates :project_url, presence: true, public_url: true"},
	},
	"mock-ci": {
		"mock_service_url": {format: "url", source: baseDir + "mock_ci.rb: validates :mock_service_url, presence: true, public_url: true"},
	},
	"external-wiki": {
		"external_wiki_url": {format: "url", source: modelDir + "external_wiki.rb: validates :external_wiki_url, presence: true, public_url: true"},
	},
	"linear": {
		"workspace_url": {format: "url", source: baseDir + "linear.rb: validates :workspace_url, presence: true, public_url: true, format: LINEAR_WORKSPACE_URI_REGEX"},
	},
	"jira": {
		"url":               {format: "url", source: modelDir + "jira.rb: validates :url, public_url: true, presence: true"},
		"api_url":           {format: "url", source: modelDir + "jira.rb: validates :api_url, public_url: true, allow_blank: true"},
		"jira_issue_prefix": {maxLength: 255, source: modelDir + "jira.rb: validates :jira_issue_prefix, untrusted_regexp: true, length: { maximum: 255 }"},
		"jira_issue_regex":  {maxLength: 255, source: modelDir + "jira.rb: validates :jira_issue_regex, untrusted_regexp: true, length: { maximum: 255 }"},
	},
	"zentao": {
		"url": {format: "url", maxLength: 2048, source: modelDir + "zentao.rb: validates :url, public_url: true, presence: true; " +
			modelDir + "zentao_tracker_data.rb: validates :url, length: { maximum: 2048 }"},
		"api_url": {format: "url", maxLength: 2048, source: modelDir + "zentao.rb: validates :api_url, public_url: true, allow_blank: true; " +
			modelDir + "zentao_tracker_data.rb: validates :api_url, length: { maximum: 2048 }"},
		"api_token":          {maxLength: 255, source: modelDir + "zentao_tracker_data.rb: validates :api_token, length: { maximum: 255 }"},
		"zentao_product_xid": {maxLength: 255, source: modelDir + "zentao_tracker_data.rb: validates :zentao_product_xid, length: { maximum: 255 }"},
	},
	"datadog": {
		"api_url": {format: "url", source: modelDir + "datadog.rb: validates :api_url, public_url: { allow_blank: true }"},
		"api_key": {pattern: `^\w+$`, source: modelDir + `datadog.rb: validates :api_key, presence: true, format: { with: /\A\w+\z/ }`},
		"datadog_site": {pattern: `^\w+([-.]\w+)*\.[a-zA-Z]{2,5}(:[0-9]{1,5})?$`,
			source: modelDir + `datadog.rb: validates :datadog_site, format: { with: %r{\A\w+([-.]\w+)*\.[a-zA-Z]{2,5}(:[0-9]{1,5})?\z} }, allow_blank: true`},
	},
	"squash-tm": {
		"url":   {format: "url", source: modelDir + "squash_tm.rb: validates :url, presence: true, public_url: true"},
		"token": {maxLength: 255, source: modelDir + "squash_tm.rb: validates :token, length: { maximum: 255 }, allow_blank: true"},
	},
	"confluence": {
		"confluence_url": {format: "url", source: modelDir + "confluence.rb: validate :validate_confluence_url_is_cloud " +
			"(scheme http or https; GitLab also requires a host on atlassian.net and a path under /wiki)"},
	},
	// Matrix and Telegram build their webhook from hostname and check that
	// (chat_notification.rb's public_url); GitLab names webhook in its error.
	"matrix": {
		"hostname": {format: "url", source: modelDir + "matrix.rb: validates :webhook, presence: true, public_url: true " +
			"(webhook is hostname + \"/_matrix/client/v3/rooms/…\")"},
	},
	"telegram": {
		"hostname": {format: "url", source: chatWebhook + "; " + baseDir + "telegram.rb: set_webhook builds webhook as hostname + \"/bot<token>/sendMessage\""},
		"thread":   {pattern: `^[+-]?\d+$`, source: baseDir + "telegram.rb: validates :thread, numericality: { only_integer: true }, allow_blank: true"},
	},
	"slack":           chatChannels(),
	"mattermost":      chatChannels(),
	"microsoft-teams": chatChannels(),
	"hangouts-chat":   chatChannels(),
	"unify-circuit":   chatChannels(),
	"webex-teams":     chatChannels(),
	"pumble":          chatChannels(),
	"discord": {
		"webhook": {format: "url", source: baseDir + "discord.rb: validates :webhook, format: DISCORD_URI_REGEX, " +
			"public_url: { schemes: %w[https] } (GitLab also requires https and discord.com)"},
	},
}

// applyModelRules copies the model rule of slug's parameter p into p.
// It reports a rule naming a parameter the research does not have, or a
// url or length rule on a parameter that is not a string.
func applyModelRules(slug string, p *desc.Parameter) error {
	r, ok := modelRules[slug][p.Name]
	if !ok {
		return nil
	}
	if p.Type != "string" {
		return fmt.Errorf("%s.%s: a model rule on a %s parameter", slug, p.Name, p.Type)
	}
	if r.pattern != "" {
		if _, err := regexp.Compile(r.pattern); err != nil {
			return fmt.Errorf("%s.%s: pattern: %v", slug, p.Name, err)
		}
	}
	p.Format, p.MaxLength, p.Pattern, p.Placeholder, p.Validation = r.format, r.maxLength, r.pattern, r.placeholder, r.source
	return nil
}

// checkModelRules reports every rule whose integration or parameter the
// description does not have, so that a rename in the research is noticed.
func checkModelRules(d *desc.Description) error {
	have := map[string]bool{}
	for _, it := range d.Integrations {
		for _, p := range it.Parameters {
			have[it.Slug+"."+p.Name] = true
		}
	}
	var missing []string
	for slug, params := range modelRules {
		for name := range params {
			if !have[slug+"."+name] {
				missing = append(missing, slug+"."+name)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("model rules for parameters the description does not have: %s", strings.Join(missing, ", "))
	}
	return nil
}
