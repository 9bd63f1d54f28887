package integrations

import (
	"fmt"
	"strings"

	"github.com/gitlabkit/integrations/internal/suggest"
)

// slugAliases maps the other names users write for an integration to its
// slug: names GitLab used before a rename, and common short forms.
var slugAliases = map[string]string{
	"circuit":           "unify-circuit",
	"google-chat":       "hangouts-chat",
	"hangouts":          "hangouts-chat",
	"msteams":           "microsoft-teams",
	"teams":             "microsoft-teams",
	"webex":             "webex-teams",
	"gitlab-for-slack":  "gitlab-slack-application",
	"slack-application": "gitlab-slack-application",
	"slack-app":         "gitlab-slack-application",
	"jira-cloud":        "jira-cloud-app",
	"gitlab-for-jira":   "jira-cloud-app",
	"pipeline-emails":   "pipelines-email",
	"pipelines-emails":  "pipelines-email",
	"drone":             "drone-ci",
	"pivotal-tracker":   "pivotaltracker",
	"squashtm":          "squash-tm",
	"teamcity-ci":       "teamcity",
	"ibm-ewm":           "ewm",
	"gitguardian":       "git-guardian",
	"artifact-registry": "google-cloud-platform-artifact-registry",
}

// resolveSlug finds the catalog entry an integration name refers to: its
// slug, the slug with underscores or spaces ("emails_on_push"), its Go name
// in any case ("MicrosoftTeams"), its title ("Emails on push") or an alias
// ("circuit"). An unknown name is a *ValidationError matching
// ErrUnknownIntegration that names the closest slugs.
func resolveSlug(name string) (*IntegrationInfo, error) {
	norm := normalizeSlug(name)
	if alias, ok := slugAliases[norm]; ok {
		norm = alias
	}
	if in := lookupEntry(norm); in != nil {
		return in, nil
	}
	squashed := strings.ReplaceAll(norm, "-", "")
	for i := range catalog {
		in := &catalog[i]
		if in.Slug == norm || strings.ReplaceAll(in.Slug, "-", "") == squashed ||
			strings.ToLower(in.GoName) == squashed || normalizeSlug(in.Title) == norm {
			return in, nil
		}
	}
	unknown := func(format string, args ...any) error {
		return &ValidationError{Problems: []string{fmt.Sprintf(format, args...)}, kind: ErrUnknownIntegration}
	}
	if strings.TrimSpace(name) == "" {
		return nil, unknown("empty integration name")
	}
	slugs := make([]string, len(catalog))
	for i := range catalog {
		slugs[i] = catalog[i].Slug
	}
	if near := suggest.Closest(norm, slugs, 3); len(near) > 0 {
		return nil, unknown("unknown integration %q (did you mean %s?)", name, strings.Join(near, ", "))
	}
	return nil, unknown("unknown integration %q (integrations.Catalog() lists them)", name)
}

// normalizeSlug lowercases name and writes "_" and spaces as "-".
func normalizeSlug(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	return strings.Map(func(r rune) rune {
		if r == '_' || r == ' ' {
			return '-'
		}
		return r
	}, name)
}

// Resolve returns the metadata of the integration a name refers to, read
// as Client.Integration reads it: the slug, its underscore form, the Go
// name, the title or a former name. An unknown name is an error matching
// ErrUnknownIntegration that names the closest slugs.
func Resolve(name string) (IntegrationInfo, error) {
	info, err := resolveSlug(name)
	if err != nil {
		return IntegrationInfo{}, err
	}
	return info.clone(), nil
}
