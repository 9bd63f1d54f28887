package integrations

import (
	"fmt"
	"sort"
	"strings"
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
// ("circuit"). An unknown name is an error matching ErrUnknownIntegration
// that names the closest slugs.
func resolveSlug(name string) (*IntegrationInfo, error) {
	norm := normalizeSlug(name)
	if alias, ok := slugAliases[norm]; ok {
		norm = alias
	}
	squashed := strings.ReplaceAll(norm, "-", "")
	for i := range catalog {
		in := &catalog[i]
		if in.Slug == norm || strings.ReplaceAll(in.Slug, "-", "") == squashed ||
			strings.ToLower(in.GoName) == squashed || normalizeSlug(in.Title) == norm {
			return in, nil
		}
	}
	if strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("integrations: %w: empty integration name", ErrUnknownIntegration)
	}
	slugs := make([]string, len(catalog))
	for i := range catalog {
		slugs[i] = catalog[i].Slug
	}
	if near := closest(norm, slugs, 3); len(near) > 0 {
		return nil, fmt.Errorf("integrations: %w %q (did you mean %s?)", ErrUnknownIntegration, name, strings.Join(near, ", "))
	}
	return nil, fmt.Errorf("integrations: %w %q (integrations.Catalog() lists them)", ErrUnknownIntegration, name)
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

// closest returns up to n candidates nearest to word by edit distance,
// nearest first, leaving out those too far to be a misspelling. A
// candidate that contains word, or that word contains, is near too.
func closest(word string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	var near []scored
	for _, c := range candidates {
		d := editDistance(word, c)
		limit := max(2, min(len(word), len(c))/3)
		if d > limit && !(len(word) >= 3 && (strings.Contains(c, word) || strings.Contains(word, c))) {
			continue
		}
		near = append(near, scored{c, d})
	}
	sort.SliceStable(near, func(i, j int) bool { return near[i].d < near[j].d })
	out := make([]string, 0, min(n, len(near)))
	for i := 0; i < len(near) && i < n; i++ {
		out = append(out, near[i].s)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
