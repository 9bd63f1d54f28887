package bench

import (
	"net/http"
	"strconv"
	"strings"
)

// The canned answers every contender decodes: what GitLab sends for a Slack
// and a Jira integration, every common field and every property, compact
// as GitLab writes it. Values are the types GitLab really sends: Jira's
// issues_enabled is a JSON boolean (client-go decodes it as one), although
// GitLab declares the parameter a string on input.
var (
	slackBody = []byte(`{"id":18431,"title":"Slack notifications","slug":"slack",` +
		`"created_at":"2024-03-11T09:12:44.310Z","updated_at":"2025-01-08T16:40:02.118Z",` +
		`"active":true,"commit_events":true,"push_events":true,"issues_events":true,` +
		`"incident_events":false,"alert_events":true,"confidential_issues_events":true,` +
		`"merge_requests_events":true,"tag_push_events":true,"deployment_events":false,` +
		`"note_events":false,"confidential_note_events":true,"pipeline_events":true,` +
		`"wiki_page_events":true,"job_events":true,"comment_on_event_enabled":true,` +
		`"inherited":false,"vulnerability_events":false,` +
		`"properties":{"username":"GitLab","channel":"#deploys",` +
		`"notify_only_broken_pipelines":true,"notify_only_when_pipeline_status_changes":false,` +
		`"branches_to_be_notified":"default_and_protected","labels_to_be_notified":"incident,security",` +
		`"labels_to_be_notified_behavior":"match_any","push_channel":"#pushes","issue_channel":"#issues",` +
		`"incident_channel":"#incidents","alert_channel":"#alerts","confidential_issue_channel":"#security",` +
		`"merge_request_channel":"#reviews","note_channel":"","confidential_note_channel":"#security",` +
		`"tag_push_channel":"#releases","deployment_channel":"#deploys","pipeline_channel":"#ci",` +
		`"wiki_page_channel":"","vulnerability_channel":"#security"}}`)

	jiraBody = []byte(`{"id":18502,"title":"Jira issues","slug":"jira",` +
		`"created_at":"2023-10-02T14:03:19.552Z","updated_at":"2025-01-08T16:41:55.907Z",` +
		`"active":true,"commit_events":true,"push_events":false,"issues_events":false,` +
		`"incident_events":false,"alert_events":false,"confidential_issues_events":false,` +
		`"merge_requests_events":true,"tag_push_events":false,"deployment_events":false,` +
		`"note_events":false,"confidential_note_events":false,"pipeline_events":false,` +
		`"wiki_page_events":false,"job_events":false,"comment_on_event_enabled":true,` +
		`"inherited":false,"vulnerability_events":false,` +
		`"properties":{"url":"https://acme.atlassian.net","api_url":"","jira_auth_type":1,` +
		`"username":"ci-bot@acme.example","jira_issue_regex":"","jira_issue_prefix":"",` +
		`"jira_issue_transition_id":"31,41","issues_enabled":true,"project_keys":["WEB","OPS"],` +
		`"vulnerabilities_enabled":false,"vulnerabilities_issuetype":"10001","project_key":"WEB",` +
		`"customize_jira_issue_enabled":false,"jira_check_enabled":false,"jira_exists_check_enabled":false,` +
		`"jira_assignee_check_enabled":false,"jira_status_check_enabled":false,` +
		`"jira_allowed_statuses_as_string":"","comment_on_event_enabled":true}}`)
)

// answerHeader is the header GitLab (self-managed, no throttle configured)
// sends with a JSON answer. Throttled servers add RateLimit-*; they are left
// out here because client-go then starts pacing itself, which would turn a
// cost measurement into a rate-limit one.
func answerHeader(contentLength int) http.Header {
	return http.Header{
		"Cache-Control":          {"max-age=0, private, must-revalidate"},
		"Content-Type":           {"application/json"},
		"Content-Length":         {strconv.Itoa(contentLength)},
		"Etag":                   {`W/"5c4bd7a1d8e2e8a6f7f0b8e1f9d4c3a2"`},
		"Vary":                   {"Origin, Accept-Encoding"},
		"X-Content-Type-Options": {"nosniff"},
		"X-Frame-Options":        {"SAMEORIGIN"},
		"X-Gitlab-Meta":          {`{"correlation_id":"01JH8Z6Q4W0Y3M7C5V2K9T1R8B","version":"1"}`},
		"X-Request-Id":           {"01JH8Z6Q4W0Y3M7C5V2K9T1R8B"},
		"X-Runtime":              {"0.041873"},
		"Referrer-Policy":        {"strict-origin-when-cross-origin"},
	}
}

// cannedAnswer is one answer: its body and the header sent with it.
type cannedAnswer struct {
	body   []byte
	header http.Header
}

var (
	slackAnswer    = cannedAnswer{slackBody, answerHeader(len(slackBody))}
	jiraAnswer     = cannedAnswer{jiraBody, answerHeader(len(jiraBody))}
	notFoundAnswer = cannedAnswer{[]byte(`{"message":"404 Not Found"}`), answerHeader(27)}
)

// answerFor returns the canned answer for a request path: the Slack or the
// Jira integration, whatever the project and the client's path style
// (/integrations/ or client-go's legacy /services/).
func answerFor(path string) (cannedAnswer, bool) {
	switch {
	case strings.HasSuffix(path, "/slack"):
		return slackAnswer, true
	case strings.HasSuffix(path, "/jira"):
		return jiraAnswer, true
	}
	return notFoundAnswer, false
}
