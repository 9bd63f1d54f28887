package fleet

import (
	"context"
	"fmt"
	"strings"

	"github.com/gitlabkit/integrations"
)

// versionProblems refuses, at plan time, what the server's version cannot
// take and GitLab would only refuse at apply: a change to jira_auth_type 2
// before GitLab 19.0 (a Jira Cloud service account), and setting up Slack
// slash commands on GitLab 19.0 or later, which removed them. GitLab's
// version is read once, and only when a change needs it: a plan without
// either sends no more requests.
func versionProblems(ctx context.Context, c *integrations.Client, changes []Change) (problemList, error) {
	var uses []*Change
	for i := range changes {
		ch := &changes[i]
		switch {
		case ch.Integration == "slack-slash-commands" && ch.Action == Create:
			uses = append(uses, ch)
		case ch.Integration == "jira" && (ch.Action == Create || ch.Action == Update):
			for _, f := range ch.Fields {
				if n, ok := toInt(f.To); ok && f.Name == "jira_auth_type" && n == 2 {
					uses = append(uses, ch)
				}
			}
		}
	}
	if len(uses) == 0 {
		return nil, nil
	}
	v, err := c.ServerVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("fleet: plan: read GitLab's version: %w", err)
	}
	major := versionMajor(v.Version)
	var p problemList
	for _, ch := range uses {
		switch {
		case ch.Integration == "jira" && major != 0 && major < 19:
			where := ch.sentFrom["jira_auth_type"]
			if where == "" {
				where = ch.Where
			}
			p.addAt(orSpec(where), "%s jira: jira_auth_type 2 (a Jira Cloud service account) needs GitLab 19.0 or later, and this GitLab is %s: write 1 (a Jira personal access token) or 0", ch.scopeText(), v.Version)
		case ch.Integration == "slack-slash-commands" && major >= 19:
			p.addAt(orSpec(ch.Where), "%s slack-slash-commands: GitLab %s has no Slack slash commands (removed in GitLab 19.0): write absent, or migrate with `gitlab-integrations migrate slack-slash-commands-to-slack-app`", ch.scopeText(), v.Version)
		}
	}
	return p, nil
}

// blankRequired refuses a required parameter whose reference resolves to
// blank text, which GitLab's presence validation refuses on any change: an
// empty file of a migration's webhook mapping, a variable set to "". It
// looks at what the spec wants, no-ops included, since a secret that never
// drifts plans as a no-op. A reference that does not resolve here is left
// to Plan.Unresolved.
func blankRequired(places []*place, res *resolver) problemList {
	var p problemList
	for _, pl := range places {
		for _, e := range pl.wants {
			slug, w := e.slug, e.w
			if w.state != Present {
				continue
			}
			info, _ := lookupInfo(slug)
			for _, name := range sortedKeys(w.params) {
				pi, _ := info.Parameter(name)
				s, ok := w.params[name].(string)
				if !pi.Required || !ok || !strings.Contains(s, "${") {
					continue
				}
				v, err := res.str(s)
				if err != nil || strings.TrimSpace(v) != "" {
					continue
				}
				p.addAt(orSpec(e.set[name]), "%s %s: %s: %s is empty, and GitLab refuses a blank %s: fill it first", pl.text, slug, name, s, name)
			}
		}
	}
	return p
}
