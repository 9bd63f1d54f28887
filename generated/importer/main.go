// Command importer builds generated/integrations.json, the SDK's own API
// description, from the shared research file (gitlab-api/integrations.json).
//
// It runs by hand when the research changes, never in CI:
//
//	go run ./generated/importer -in ../shared/gitlab-api/integrations.json
//
// What it adds to the research: Go names, the enum types, which parameters
// the SDK treats as secret, which ones the server ignores, the GitLab
// version that removed an integration, and the checks GitLab's models make
// on save (URL fields, lengths: validations.go, each with its source). The generator reads only its output.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"strings"

	"github.com/gitlabkit/integrations/generated/desc"
)

// research mirrors the part of the shared file the importer reads.
type research struct {
	Integrations []struct {
		Slug        string  `json:"slug"`
		Title       string  `json:"title"`
		Summary     string  `json:"summary"`
		Tier        string  `json:"tier"`
		InSeed      bool    `json:"in_seed"`
		APIExposed  bool    `json:"api_exposed"`
		Project     bool    `json:"project"`
		Group       bool    `json:"group"`
		Deprecation *string `json:"deprecated_or_removed"`
		Events      []string
		Parameters  []struct {
			Name            string   `json:"name"`
			Type            string   `json:"type"`
			Required        bool     `json:"required"`
			Secret          bool     `json:"secret"`
			Current         bool     `json:"current"`
			Returned        bool     `json:"returned_in_properties"`
			AllowedValues   []any    `json:"allowed_values"`
			Description     string   `json:"description"`
			Note            string   `json:"note"`
			SeedDiscrepancy string   `json:"seed_discrepancy"`
			Extra           []string `json:"-"`
		} `json:"parameters"`
	} `json:"integrations"`
}

// removedIn lists the integrations GitLab removed from the API, with the
// version that removed them. They stay in the SDK for older servers.
var removedIn = map[string]string{
	"jenkins-deprecated":   "13.0",
	"flowdock":             "15.0",
	"prometheus":           "17.8",
	"slack-slash-commands": "19.0",
}

// goNames overrides the mechanical slug-to-Go-name rule where the product
// spells its name another way.
var goNames = map[string]string{
	"clickup":                  "ClickUp",
	"drone-ci":                 "DroneCI",
	"ewm":                      "EWM",
	"github":                   "GitHub",
	"git-guardian":             "GitGuardian",
	"gitlab-slack-application": "GitLabSlackApplication",
	"mock-ci":                  "MockCI",
	"pivotaltracker":           "PivotalTracker",
	"squash-tm":                "SquashTM",
	"teamcity":                 "TeamCity",
	"youtrack":                 "YouTrack",
	"zentao":                   "ZenTao",
}

// initialisms are written in capitals inside Go names.
var initialisms = map[string]string{
	"api": "API", "ci": "CI", "iap": "IAP", "id": "ID", "ids": "IDs", "irc": "IRC",
	"json": "JSON", "ssl": "SSL", "uri": "URI", "url": "URL", "xid": "XID", "tm": "TM",
	// product names spelled their own way
	"teamcity": "TeamCity", "zentao": "ZenTao", "youtrack": "YouTrack", "gitlab": "GitLab", "github": "GitHub",
}

// enums maps a parameter name to its enum type.
var enums = map[string]desc.Enum{
	"branches_to_be_notified": {GoName: "BranchFilter", Type: "string",
		Description: "BranchFilter selects the branches whose events send notifications.",
		Values: []desc.EnumValue{
			{GoName: "BranchesAll", Value: "all", Description: "every branch"},
			{GoName: "BranchesDefault", Value: "default", Description: "the default branch only (GitLab's default)"},
			{GoName: "BranchesProtected", Value: "protected", Description: "protected branches only"},
			{GoName: "BranchesDefaultAndProtected", Value: "default_and_protected", Description: "the default branch and protected branches"},
		}},
	"labels_to_be_notified_behavior": {GoName: "LabelsBehavior", Type: "string",
		Description: "LabelsBehavior tells how labels_to_be_notified matches an issue or merge request.",
		Values: []desc.EnumValue{
			{GoName: "LabelsMatchAny", Value: "match_any", Description: "notify when the item has any of the labels"},
			{GoName: "LabelsMatchAll", Value: "match_all", Description: "notify only when the item has all the labels"},
		}},
	"jira_auth_type": {GoName: "JiraAuthType", Type: "int",
		Description: "JiraAuthType is how GitLab authenticates to Jira.",
		Values: []desc.EnumValue{
			{GoName: "JiraAuthBasic", Value: "0", Description: "basic authentication: email or username with an API token or password (GitLab's default)"},
			{GoName: "JiraAuthPersonalAccessToken", Value: "1", Description: "a Jira personal access token (Jira Data Center and Server)"},
			{GoName: "JiraAuthServiceAccount", Value: "2", Description: "a Jira Cloud service account (newest GitLab only)"},
		}},
	"priority": {GoName: "PushoverPriority", Type: "string",
		Description: "PushoverPriority is the priority of Pushover messages; GitLab sends it as a string.",
		Values: []desc.EnumValue{
			{GoName: "PushoverPriorityLowest", Value: "-2", Description: "lowest priority"},
			{GoName: "PushoverPriorityLow", Value: "-1", Description: "low priority"},
			{GoName: "PushoverPriorityNormal", Value: "0", Description: "normal priority"},
			{GoName: "PushoverPriorityHigh", Value: "1", Description: "high priority"},
		}},
	"sound": {GoName: "PushoverSound", Type: "string",
		Description: "PushoverSound is the notification sound of Pushover messages."},
}

// insteadOf says what to do instead of a parameter current GitLab ignores,
// by "slug.name" or by name alone; every ignored parameter needs an entry.
var insteadOf = map[string]string{
	"notify_only_default_branch": "Set BranchesToBeNotified (branches_to_be_notified) to BranchesDefault to notify for the default branch only.",
	"description":                "Leave it unset; GitLab shows the integration's own description.",
	"title":                      "Leave it unset; GitLab shows the integration's own title.",
	"jira.active":                "Leave it unset: Set always turns the integration on, and Delete turns it off.",
	"jira.jira_issue_transition_automatic": "Set JiraIssueTransitionID (jira_issue_transition_id) to the transitions to apply, " +
		"or choose the automatic transition on the integration's settings page in GitLab.",
	"mattermost-slash-commands.username": "Leave it unset; GitLab never used it.",
	"pipelines-email.add_pusher":         "List every address to notify in Recipients (recipients).",
	"slack.commit_events":                "Leave it unset; Slack notifications have no commit events (PushEvents covers pushes).",
	"slack.job_events":                   "Leave it unset; Slack notifications have no job events (PipelineEvents covers pipelines).",
}

func instead(slug, name string) string {
	if s, ok := insteadOf[slug+"."+name]; ok {
		return s
	}
	return insteadOf[name]
}

// alsoSecret are parameters the SDK redacts although GitLab's model does not
// flag them secret: webhook URLs carry their own credentials, and private
// keys are private whether or not GitLab echoes them.
func alsoSecret(slug, name string) bool {
	switch {
	case name == "webhook":
		return true
	case slug == "discord" && strings.HasSuffix(name, "_channel"):
		return true // per-event Discord webhook URLs
	case name == "app_store_private_key", name == "service_account_key", name == "google_iap_service_account_json":
		return true
	}
	return false
}

func main() {
	in := flag.String("in", "../shared/gitlab-api/integrations.json", "the shared research file")
	out := flag.String("out", "generated/integrations.json", "the description to write")
	flag.Parse()
	raw, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	var r research
	if err := json.Unmarshal(raw, &r); err != nil {
		log.Fatalf("%s: %v", *in, err)
	}
	d := desc.Description{
		Comment: "The SDK's API description. Built by `go run ./generated/importer` from shared/gitlab-api/integrations.json, " +
			"then read by the generator (`go generate ./...`). Edit the importer's rules, not the generated Go files.",
	}
	usedEnums := map[string]desc.Enum{}
	for _, ri := range r.Integrations {
		removed, isRemoved := removedIn[ri.Slug]
		if !ri.APIExposed && !isRemoved {
			continue // instance-level only, not part of this API
		}
		it := desc.Integration{
			Slug: ri.Slug, GoName: goName(ri.Slug), Title: ri.Title, Summary: ri.Summary, Tier: ri.Tier,
			Project: true, Group: ri.Group, InSeed: ri.InSeed, RemovedIn: removed, Events: ri.Events,
		}
		if it.Events == nil {
			it.Events = []string{}
		}
		if ri.Deprecation != nil && !isRemoved {
			it.Note = *ri.Deprecation
		}
		for _, text := range []*string{&it.Summary, &it.Note} {
			if *text, err = userProse(ri.Slug, *text); err != nil {
				log.Fatal(err)
			}
		}
		for _, rp := range ri.Parameters {
			p := desc.Parameter{
				Name: rp.Name, GoName: camel(rp.Name), Type: rp.Type, Required: rp.Required,
				Secret:   rp.Secret || alsoSecret(ri.Slug, rp.Name),
				Returned: rp.Returned, Event: strings.HasSuffix(rp.Name, "_events"),
				Ignored:     !rp.Current && !isRemoved,
				Description: rp.Description, Note: rp.Note,
			}
			for _, v := range rp.AllowedValues {
				p.AllowedValues = append(p.AllowedValues, fmt.Sprint(v))
			}
			if e, ok := enums[rp.Name]; ok && len(p.AllowedValues) > 0 {
				p.Enum = e.GoName
				if e.Values == nil { // values come from the research
					for _, v := range p.AllowedValues {
						e.Values = append(e.Values, desc.EnumValue{GoName: e.GoName + camel(v), Value: v, Description: "the " + v + " sound"})
					}
				}
				usedEnums[e.GoName] = e
			}
			if err := applyModelRules(ri.Slug, &p); err != nil {
				log.Fatal(err)
			}
			if p.Placeholder != "" {
				// GitLab does not refuse a template without the placeholder:
				// say what it does rather than promise a check.
				p.Description = fmt.Sprintf("Issue link template: GitLab puts the issue's ID in place of `%s` "+
					"(it accepts a template without `%s`, and Set logs a warning).", p.Placeholder, p.Placeholder)
			}
			if rp.Name == "jira_cloud_app_deployment_gating_environments" {
				p.CommaList = true
			}
			if rp.SeedDiscrepancy != "" {
				p.Note = strings.TrimSpace("The original documentation said " + strings.TrimPrefix(rp.SeedDiscrepancy, "seed ") +
					"; this follows the server. " + p.Note)
			}
			if p.Ignored {
				if p.Instead = instead(ri.Slug, rp.Name); p.Instead == "" {
					log.Fatalf("%s.%s: current GitLab ignores it: add what to do instead to insteadOf", ri.Slug, rp.Name)
				}
			}
			for _, text := range []*string{&p.Description, &p.Note, &p.Instead} {
				if *text, err = userProse(ri.Slug+"."+rp.Name, *text); err != nil {
					log.Fatal(err)
				}
			}
			it.Parameters = append(it.Parameters, p)
		}
		d.Integrations = append(d.Integrations, it)
	}
	sort.Slice(d.Integrations, func(i, j int) bool { return d.Integrations[i].Slug < d.Integrations[j].Slug })
	if err := checkModelRules(&d); err != nil {
		log.Fatal(err)
	}
	for _, e := range usedEnums {
		d.Enums = append(d.Enums, e)
	}
	sort.Slice(d.Enums, func(i, j int) bool { return d.Enums[i].GoName < d.Enums[j].GoName })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s: %d integrations\n", *out, len(d.Integrations))
}

func goName(slug string) string {
	if n, ok := goNames[slug]; ok {
		return n
	}
	return camel(strings.ReplaceAll(slug, "-", "_"))
}

// camel turns snake_case (or a value like "cashregister") into a Go name,
// writing initialisms in capitals.
func camel(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' }) {
		if up, ok := initialisms[w]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}
