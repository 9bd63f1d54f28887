package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gitlabkit/integrations"
	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Token is the access token every contender sends.
const Token = "glpat-benchmark-0000000000000000"

// Contender is one way of calling GitLab: the floor, this SDK or client-go,
// behind the same three calls. Each call checks that the answer decoded
// into the integration it asked for, so none can skip the work.
type Contender struct {
	Name     string
	SlackGet func(ctx context.Context, project string) error
	SlackSet func(ctx context.Context, project string) error
	JiraSet  func(ctx context.Context, project string) error
	// List lists the project's active integrations (ListSize of them).
	List func(ctx context.Context, project string) error
}

// The contenders' names, as the table prints them.
const (
	// Limit is the bare http.Client round trip and the read of the
	// answer's body, nothing decoded: what no client can go below.
	Limit = "limit"
	Floor = "floor"
	SDK   = "SDK"
	// SDKCapped is the SDK with WithMaxConnections set to the number of
	// goroutines sharing it (concurrency measurements only).
	SDKCapped = "SDK capped"
	ClientGo  = "client-go"
)

// What the three Set calls send: the settings a script applies to many
// projects. The same parameters are set for every contender, so the bodies
// carry the same keys and values.
const (
	slackWebhook = "https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX"
	jiraURL      = "https://acme.atlassian.net"
	jiraUser     = "ci-bot@acme.example"
	jiraPassword = "jira-api-token-0000000000000000"
	jiraTransIDs = "31,41"
)

// call returns the contender's function for a call name (SlackGet, …).
func (c *Contender) call(name string) func(context.Context, string) error {
	switch name {
	case SlackGet:
		return c.SlackGet
	case SlackSet:
		return c.SlackSet
	case List:
		return c.List
	}
	return c.JiraSet
}

func checkList(n int) error {
	if n != ListSize {
		return fmt.Errorf("%w: %d integrations listed, want %d", errWrongAnswer, n, ListSize)
	}
	return nil
}

var errWrongAnswer = errors.New("the answer is not the integration asked for")

func checkSlug(got, want string) error {
	if got != want {
		return fmt.Errorf("%w: slug %q, want %q", errWrongAnswer, got, want)
	}
	return nil
}

// What the floor (and the limit, encoded once) sends.
var (
	floorSlackSettings = &floorSlackOptions{
		Webhook: slackWebhook, Username: ptr("GitLab"), Channel: ptr("#deploys"),
		NotifyOnlyBrokenPipelines: ptr(true), BranchesToBeNotified: ptr("default_and_protected"),
		PushEvents: ptr(true), MergeRequestsEvents: ptr(true), PipelineEvents: ptr(true),
	}
	floorJiraSettings = &floorJiraOptions{
		URL: jiraURL, JiraAuthType: ptr(1), Username: ptr(jiraUser), Password: jiraPassword,
		JiraIssueTransitionID: ptr(jiraTransIDs), ProjectKeys: []string{"WEB", "OPS"},
		CommentOnEventEnabled: ptr(true), CommitEvents: ptr(true), MergeRequestsEvents: ptr(true),
	}
)

// NewFloor returns the hand-written net/http contender. baseURL is the
// server, such as https://gitlab.example.com.
func NewFloor(baseURL string, hc *http.Client) *Contender {
	f := &floorClient{base: strings.TrimRight(baseURL, "/") + "/api/v4", token: Token, hc: hc}
	slack, jira := floorSlackSettings, floorJiraSettings
	return &Contender{
		Name: Floor,
		SlackGet: func(ctx context.Context, project string) error {
			s, err := f.slackGet(ctx, project)
			if err != nil {
				return err
			}
			return checkSlug(s.Slug, "slack")
		},
		SlackSet: func(ctx context.Context, project string) error {
			s, err := f.slackSet(ctx, project, slack)
			if err != nil {
				return err
			}
			return checkSlug(s.Slug, "slack")
		},
		JiraSet: func(ctx context.Context, project string) error {
			s, err := f.jiraSet(ctx, project, jira)
			if err != nil {
				return err
			}
			return checkSlug(s.Slug, "jira")
		},
		List: func(ctx context.Context, project string) error {
			l, err := f.list(ctx, project)
			if err != nil {
				return err
			}
			return checkList(len(l))
		},
	}
}

// NewSDK returns this SDK's contender; opts are added to NewClient's.
func NewSDK(baseURL string, hc *http.Client, opts ...integrations.ClientOption) (*Contender, error) {
	all := []integrations.ClientOption{integrations.WithBaseURL(baseURL)}
	if hc != nil {
		all = append(all, integrations.WithHTTPClient(hc))
	}
	c, err := integrations.NewClient(Token, append(all, opts...)...)
	if err != nil {
		return nil, err
	}
	slack := &integrations.SlackOptions{
		Webhook: slackWebhook, Username: integrations.Ptr("GitLab"), Channel: integrations.Ptr("#deploys"),
		NotifyOnlyBrokenPipelines: integrations.Ptr(true),
		BranchesToBeNotified:      integrations.Ptr(integrations.BranchFilter("default_and_protected")),
		PushEvents:                integrations.Ptr(true), MergeRequestsEvents: integrations.Ptr(true),
		PipelineEvents: integrations.Ptr(true),
	}
	jira := &integrations.JiraOptions{
		URL: jiraURL, JiraAuthType: integrations.Ptr(integrations.JiraAuthType(1)),
		Username: integrations.Ptr(jiraUser), Password: jiraPassword,
		JiraIssueTransitionID: integrations.Ptr(jiraTransIDs), ProjectKeys: []string{"WEB", "OPS"},
		CommentOnEventEnabled: integrations.Ptr(true), CommitEvents: integrations.Ptr(true),
		MergeRequestsEvents: integrations.Ptr(true),
	}
	return &Contender{
		Name: SDK,
		SlackGet: func(ctx context.Context, project string) error {
			s, err := c.Slack.Get(ctx, integrations.Project(project))
			if err != nil {
				return err
			}
			return checkSlug(s.Slug, "slack")
		},
		SlackSet: func(ctx context.Context, project string) error {
			s, err := c.Slack.Set(ctx, integrations.Project(project), slack)
			if err != nil {
				return err
			}
			return checkSlug(s.Slug, "slack")
		},
		JiraSet: func(ctx context.Context, project string) error {
			s, err := c.Jira.Set(ctx, integrations.Project(project), jira)
			if err != nil {
				return err
			}
			return checkSlug(s.Slug, "jira")
		},
		List: func(ctx context.Context, project string) error {
			l, err := c.List(ctx, integrations.Project(project))
			if err != nil {
				return err
			}
			return checkList(len(l))
		},
	}, nil
}

// NewClientGo returns client-go's contender: Services.GetSlackService,
// SetSlackService and SetJiraService.
func NewClientGo(baseURL string, hc *http.Client) (*Contender, error) {
	opts := []gitlab.ClientOptionFunc{gitlab.WithBaseURL(baseURL)}
	if hc != nil {
		opts = append(opts, gitlab.WithHTTPClient(hc))
	}
	c, err := gitlab.NewClient(Token, opts...)
	if err != nil {
		return nil, err
	}
	slack := &gitlab.SetSlackServiceOptions{
		WebHook: ptr(slackWebhook), Username: ptr("GitLab"), Channel: ptr("#deploys"),
		NotifyOnlyBrokenPipelines: ptr(true), BranchesToBeNotified: ptr("default_and_protected"),
		PushEvents: ptr(true), MergeRequestsEvents: ptr(true), PipelineEvents: ptr(true),
	}
	jira := &gitlab.SetJiraServiceOptions{
		URL: ptr(jiraURL), JiraAuthType: ptr(int64(1)), Username: ptr(jiraUser), Password: ptr(jiraPassword),
		JiraIssueTransitionID: ptr(jiraTransIDs), ProjectKeys: ptr([]string{"WEB", "OPS"}),
		CommentOnEventEnabled: ptr(true), CommitEvents: ptr(true), MergeRequestsEvents: ptr(true),
	}
	return &Contender{
		Name: ClientGo,
		SlackGet: func(ctx context.Context, project string) error {
			s, _, err := c.Services.GetSlackService(project, gitlab.WithContext(ctx))
			if err != nil {
				return err
			}
			return checkSlug(s.Slug, "slack")
		},
		SlackSet: func(ctx context.Context, project string) error {
			s, _, err := c.Services.SetSlackService(project, slack, gitlab.WithContext(ctx))
			if err != nil {
				return err
			}
			return checkSlug(s.Slug, "slack")
		},
		JiraSet: func(ctx context.Context, project string) error {
			s, _, err := c.Services.SetJiraService(project, jira, gitlab.WithContext(ctx))
			if err != nil {
				return err
			}
			return checkSlug(s.Slug, "jira")
		},
		List: func(ctx context.Context, project string) error {
			l, _, err := c.Services.ListServices(project, gitlab.WithContext(ctx))
			if err != nil {
				return err
			}
			return checkList(len(l))
		},
	}, nil
}

func ptr[T any](v T) *T { return &v }
