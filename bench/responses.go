package bench

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
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

// listBody is a project's list of its 49 active integrations, as GitLab
// sends it (no properties), each a different integration of the catalog.
var listBody = func() []byte {
	var b strings.Builder
	b.WriteByte('[')
	n := 0
	for _, info := range integrations.Catalog() {
		if !info.Project || info.RemovedIn != "" || n == ListSize {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"title":%q,"slug":%q,"created_at":"2024-03-11T09:12:44.310Z",`+
			`"updated_at":"2025-01-08T16:40:02.118Z","active":true,"commit_events":true,"push_events":true,`+
			`"issues_events":true,"incident_events":false,"alert_events":true,"confidential_issues_events":true,`+
			`"merge_requests_events":true,"tag_push_events":true,"deployment_events":false,"note_events":false,`+
			`"confidential_note_events":true,"pipeline_events":true,"wiki_page_events":true,"job_events":true,`+
			`"comment_on_event_enabled":true,"inherited":false,"vulnerability_events":false}`,
			18400+n, info.Title, info.Slug)
		n++
	}
	b.WriteByte(']')
	if n != ListSize {
		panic(fmt.Sprintf("the catalog has %d current project integrations, the list needs %d", n, ListSize))
	}
	return []byte(b.String())
}()

// ListSize is how many active integrations the listed project has.
const ListSize = 49

// How an answer gives its length. Go's transport reports an unknown length
// (-1) for a chunked answer and whenever it un-gzips one, as it does for
// GitLab's usual gzipped answers; a test double or hand-made
// http.Response often leaves ContentLength 0 with a body behind it.
const (
	LengthExact   = "exact"
	LengthZero    = "zero"
	LengthUnknown = "unknown"
)

// answerHeader is the header GitLab (self-managed, no throttle configured)
// sends with a JSON answer. Throttled servers add RateLimit-*; they are left
// out here because client-go then starts pacing itself, which would turn a
// cost measurement into a rate-limit one. A negative contentLength leaves
// Content-Length out.
func answerHeader(contentLength int) http.Header {
	h := http.Header{
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
	if contentLength < 0 {
		delete(h, "Content-Length")
	}
	return h
}

// cannedAnswer is one answer: its body and the header sent with it (with
// Content-Length, and without it for the other length modes).
type cannedAnswer struct {
	body           []byte
	header         http.Header
	headerNoLength http.Header
}

func newAnswer(body []byte) cannedAnswer {
	return cannedAnswer{body, answerHeader(len(body)), answerHeader(-1)}
}

var (
	slackAnswer    = newAnswer(slackBody)
	jiraAnswer     = newAnswer(jiraBody)
	listAnswer     = newAnswer(listBody)
	notFoundAnswer = newAnswer([]byte(`{"message":"404 Not Found"}`))
)

// answerFor returns the canned answer for a request path: the Slack or the
// Jira integration, whatever the project and the client's path style
// (/integrations/ or client-go's legacy /services/), or the list.
func answerFor(path string) (cannedAnswer, bool) {
	switch {
	case strings.HasSuffix(path, "/slack"):
		return slackAnswer, true
	case strings.HasSuffix(path, "/jira"):
		return jiraAnswer, true
	case strings.HasSuffix(path, "/integrations"), strings.HasSuffix(path, "/services"):
		return listAnswer, true
	}
	return notFoundAnswer, false
}
