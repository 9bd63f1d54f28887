package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// floorClient is the floor: what a careful programmer writes by hand with
// net/http and encoding/json, no SDK. It sends the same headers and body
// bytes as the SDK and decodes the same fields into plain structs; it has
// no retries, no lenient decoding, no validation and no error parsing, so
// the SDK's cost over it is the price of those.
type floorClient struct {
	base  string // such as https://gitlab.example.com/api/v4
	token string
	hc    *http.Client
}

// floorIntegration holds the fields GitLab reports for every integration.
type floorIntegration struct {
	ID                       int64     `json:"id"`
	Title                    string    `json:"title"`
	Slug                     string    `json:"slug"`
	CreatedAt                time.Time `json:"created_at"`
	UpdatedAt                time.Time `json:"updated_at"`
	Active                   bool      `json:"active"`
	Inherited                bool      `json:"inherited"`
	CommitEvents             bool      `json:"commit_events"`
	PushEvents               bool      `json:"push_events"`
	IssuesEvents             bool      `json:"issues_events"`
	IncidentEvents           bool      `json:"incident_events"`
	AlertEvents              bool      `json:"alert_events"`
	ConfidentialIssuesEvents bool      `json:"confidential_issues_events"`
	MergeRequestsEvents      bool      `json:"merge_requests_events"`
	TagPushEvents            bool      `json:"tag_push_events"`
	DeploymentEvents         bool      `json:"deployment_events"`
	NoteEvents               bool      `json:"note_events"`
	ConfidentialNoteEvents   bool      `json:"confidential_note_events"`
	PipelineEvents           bool      `json:"pipeline_events"`
	WikiPageEvents           bool      `json:"wiki_page_events"`
	JobEvents                bool      `json:"job_events"`
	VulnerabilityEvents      bool      `json:"vulnerability_events"`
	CommentOnEventEnabled    bool      `json:"comment_on_event_enabled"`
}

type floorSlack struct {
	floorIntegration
	Properties floorSlackProperties `json:"properties"`
}

type floorSlackProperties struct {
	Username                            string `json:"username"`
	Channel                             string `json:"channel"`
	NotifyOnlyBrokenPipelines           bool   `json:"notify_only_broken_pipelines"`
	NotifyOnlyWhenPipelineStatusChanges bool   `json:"notify_only_when_pipeline_status_changes"`
	BranchesToBeNotified                string `json:"branches_to_be_notified"`
	LabelsToBeNotified                  string `json:"labels_to_be_notified"`
	LabelsToBeNotifiedBehavior          string `json:"labels_to_be_notified_behavior"`
	PushChannel                         string `json:"push_channel"`
	IssueChannel                        string `json:"issue_channel"`
	IncidentChannel                     string `json:"incident_channel"`
	AlertChannel                        string `json:"alert_channel"`
	ConfidentialIssueChannel            string `json:"confidential_issue_channel"`
	MergeRequestChannel                 string `json:"merge_request_channel"`
	NoteChannel                         string `json:"note_channel"`
	ConfidentialNoteChannel             string `json:"confidential_note_channel"`
	TagPushChannel                      string `json:"tag_push_channel"`
	DeploymentChannel                   string `json:"deployment_channel"`
	PipelineChannel                     string `json:"pipeline_channel"`
	WikiPageChannel                     string `json:"wiki_page_channel"`
	VulnerabilityChannel                string `json:"vulnerability_channel"`
}

type floorJira struct {
	floorIntegration
	Properties floorJiraProperties `json:"properties"`
}

type floorJiraProperties struct {
	URL                         string   `json:"url"`
	APIURL                      string   `json:"api_url"`
	JiraAuthType                int      `json:"jira_auth_type"`
	Username                    string   `json:"username"`
	JiraIssueRegex              string   `json:"jira_issue_regex"`
	JiraIssuePrefix             string   `json:"jira_issue_prefix"`
	JiraIssueTransitionID       string   `json:"jira_issue_transition_id"`
	IssuesEnabled               bool     `json:"issues_enabled"`
	ProjectKeys                 []string `json:"project_keys"`
	VulnerabilitiesEnabled      bool     `json:"vulnerabilities_enabled"`
	VulnerabilitiesIssuetype    string   `json:"vulnerabilities_issuetype"`
	ProjectKey                  string   `json:"project_key"`
	CustomizeJiraIssueEnabled   bool     `json:"customize_jira_issue_enabled"`
	JiraCheckEnabled            bool     `json:"jira_check_enabled"`
	JiraExistsCheckEnabled      bool     `json:"jira_exists_check_enabled"`
	JiraAssigneeCheckEnabled    bool     `json:"jira_assignee_check_enabled"`
	JiraStatusCheckEnabled      bool     `json:"jira_status_check_enabled"`
	JiraAllowedStatusesAsString string   `json:"jira_allowed_statuses_as_string"`
	CommentOnEventEnabled       bool     `json:"comment_on_event_enabled"`
}

// floorSlackOptions and floorJiraOptions declare the parameters the SDK's
// options structs declare, so that encoding them is the same work.
type floorSlackOptions struct {
	Webhook                             string  `json:"webhook"`
	Username                            *string `json:"username,omitempty"`
	Channel                             *string `json:"channel,omitempty"`
	NotifyOnlyBrokenPipelines           *bool   `json:"notify_only_broken_pipelines,omitempty"`
	NotifyOnlyWhenPipelineStatusChanges *bool   `json:"notify_only_when_pipeline_status_changes,omitempty"`
	BranchesToBeNotified                *string `json:"branches_to_be_notified,omitempty"`
	LabelsToBeNotified                  *string `json:"labels_to_be_notified,omitempty"`
	LabelsToBeNotifiedBehavior          *string `json:"labels_to_be_notified_behavior,omitempty"`
	PushChannel                         *string `json:"push_channel,omitempty"`
	IssueChannel                        *string `json:"issue_channel,omitempty"`
	IncidentChannel                     *string `json:"incident_channel,omitempty"`
	AlertChannel                        *string `json:"alert_channel,omitempty"`
	ConfidentialIssueChannel            *string `json:"confidential_issue_channel,omitempty"`
	MergeRequestChannel                 *string `json:"merge_request_channel,omitempty"`
	NoteChannel                         *string `json:"note_channel,omitempty"`
	ConfidentialNoteChannel             *string `json:"confidential_note_channel,omitempty"`
	TagPushChannel                      *string `json:"tag_push_channel,omitempty"`
	DeploymentChannel                   *string `json:"deployment_channel,omitempty"`
	PipelineChannel                     *string `json:"pipeline_channel,omitempty"`
	WikiPageChannel                     *string `json:"wiki_page_channel,omitempty"`
	VulnerabilityChannel                *string `json:"vulnerability_channel,omitempty"`
	PushEvents                          *bool   `json:"push_events,omitempty"`
	IssuesEvents                        *bool   `json:"issues_events,omitempty"`
	ConfidentialIssuesEvents            *bool   `json:"confidential_issues_events,omitempty"`
	MergeRequestsEvents                 *bool   `json:"merge_requests_events,omitempty"`
	NoteEvents                          *bool   `json:"note_events,omitempty"`
	ConfidentialNoteEvents              *bool   `json:"confidential_note_events,omitempty"`
	TagPushEvents                       *bool   `json:"tag_push_events,omitempty"`
	PipelineEvents                      *bool   `json:"pipeline_events,omitempty"`
	WikiPageEvents                      *bool   `json:"wiki_page_events,omitempty"`
	DeploymentEvents                    *bool   `json:"deployment_events,omitempty"`
	IncidentEvents                      *bool   `json:"incident_events,omitempty"`
	WorkItemEvents                      *bool   `json:"work_item_events,omitempty"`
	ConfidentialWorkItemEvents          *bool   `json:"confidential_work_item_events,omitempty"`
	VulnerabilityEvents                 *bool   `json:"vulnerability_events,omitempty"`
	AlertEvents                         *bool   `json:"alert_events,omitempty"`
	UseInheritedSettings                *bool   `json:"use_inherited_settings,omitempty"`
	NotifyOnlyDefaultBranch             *bool   `json:"notify_only_default_branch,omitempty"`
	CommitEvents                        *bool   `json:"commit_events,omitempty"`
	JobEvents                           *bool   `json:"job_events,omitempty"`
}

type floorJiraOptions struct {
	URL                          string   `json:"url"`
	APIURL                       *string  `json:"api_url,omitempty"`
	JiraAuthType                 *int     `json:"jira_auth_type,omitempty"`
	Username                     *string  `json:"username,omitempty"`
	Password                     string   `json:"password"`
	JiraIssueRegex               *string  `json:"jira_issue_regex,omitempty"`
	JiraIssuePrefix              *string  `json:"jira_issue_prefix,omitempty"`
	JiraIssueTransitionID        *string  `json:"jira_issue_transition_id,omitempty"`
	IssuesEnabled                *string  `json:"issues_enabled,omitempty"`
	ProjectKeys                  []string `json:"project_keys,omitempty"`
	VulnerabilitiesEnabled       *bool    `json:"vulnerabilities_enabled,omitempty"`
	VulnerabilitiesIssuetype     *string  `json:"vulnerabilities_issuetype,omitempty"`
	ProjectKey                   *string  `json:"project_key,omitempty"`
	CustomizeJiraIssueEnabled    *bool    `json:"customize_jira_issue_enabled,omitempty"`
	JiraCheckEnabled             *bool    `json:"jira_check_enabled,omitempty"`
	JiraExistsCheckEnabled       *bool    `json:"jira_exists_check_enabled,omitempty"`
	JiraAssigneeCheckEnabled     *bool    `json:"jira_assignee_check_enabled,omitempty"`
	JiraStatusCheckEnabled       *bool    `json:"jira_status_check_enabled,omitempty"`
	JiraAllowedStatusesAsString  *string  `json:"jira_allowed_statuses_as_string,omitempty"`
	CommentOnEventEnabled        *bool    `json:"comment_on_event_enabled,omitempty"`
	CommitEvents                 *bool    `json:"commit_events,omitempty"`
	MergeRequestsEvents          *bool    `json:"merge_requests_events,omitempty"`
	UseInheritedSettings         *bool    `json:"use_inherited_settings,omitempty"`
	Active                       *bool    `json:"active,omitempty"`
	JiraIssueTransitionAutomatic *bool    `json:"jira_issue_transition_automatic,omitempty"`
}

func (f *floorClient) slackGet(ctx context.Context, project string) (*floorSlack, error) {
	out := new(floorSlack)
	return out, f.do(ctx, http.MethodGet, "/projects/"+url.PathEscape(project)+"/integrations/slack", nil, out)
}

func (f *floorClient) slackSet(ctx context.Context, project string, o *floorSlackOptions) (*floorSlack, error) {
	out := new(floorSlack)
	return out, f.do(ctx, http.MethodPut, "/projects/"+url.PathEscape(project)+"/integrations/slack", o, out)
}

func (f *floorClient) jiraSet(ctx context.Context, project string, o *floorJiraOptions) (*floorJira, error) {
	out := new(floorJira)
	return out, f.do(ctx, http.MethodPut, "/projects/"+url.PathEscape(project)+"/integrations/jira", o, out)
}

func (f *floorClient) list(ctx context.Context, project string) ([]floorIntegration, error) {
	var out []floorIntegration
	return out, f.do(ctx, http.MethodGet, "/projects/"+url.PathEscape(project)+"/integrations", nil, &out)
}

// do sends one request and decodes a 2xx answer into out.
func (f *floorClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "floor/1")
	req.Header.Set("PRIVATE-TOKEN", f.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s: %s: %s", method, req.URL.Redacted(), resp.Status, data)
	}
	return json.Unmarshal(data, out)
}
