// Package integrations is a typed client for GitLab's Integrations API: it
// sets up, reads and disables the integrations (Slack, Jira, Jenkins,
// Datadog, Microsoft Teams, Emails on push and the others) of GitLab
// projects and groups.
//
// Create a Client with NewClient, then use its field for the integration:
//
//	c, err := integrations.NewClient(token, integrations.WithBaseURL("https://gitlab.example.com"))
//	s, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{
//		Webhook: "https://hooks.slack.com/services/T000/B000/XXXX",
//		Channel: integrations.Ptr("#deploys"),
//	})
//
// # The types to know first
//
//   - [Client], made by [NewClient]: one field per integration (Client.Slack,
//     Client.Jira, …), and [Client.List], [Client.Projects],
//     [Client.Subgroups] and [Client.ServerVersion]. Safe for concurrent use.
//   - [Scope]: where a call acts, built by [Project], [ProjectID], [Group]
//     or [GroupID].
//   - [Service]: Get, Set and Delete of one integration, typed by its
//     options struct (SlackOptions: what Set sends; required parameters are
//     values, optional ones pointers) and its properties struct
//     (SlackProperties: what GitLab reports).
//   - [Settings]: what Get and Set return: the common fields of
//     [Integration] (active, event flags) and the integration's Properties.
//   - [DynamicService] and [Values]: the same calls for an integration named
//     at run time by its slug, from [Client.Integration].
//   - [Error]: every answer from GitLab that is not a success, matched with
//     errors.Is against [ErrNotFound], [ErrIntegrationNotFound],
//     [ErrForbidden] and the other sentinels; [ValidationError]: a call
//     refused before anything was sent (it matches [ErrValidation]).
//   - [Catalog] and [IntegrationInfo]: every integration's slug, levels and
//     parameters, for tools that work across integrations.
//   - Package integrationstest: an in-memory GitLab to test code against.
//
// Set checks the options before sending anything, and reports every
// problem at once. Retries, rate limiting and redaction of secrets apply to
// every call.
//
// The per-integration files are generated from generated/integrations.json.
package integrations

//go:generate go run ./generated

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gitlabkit/integrations/internal/lenient"
)

// Integration holds what GitLab reports for every integration, whatever its
// kind: the answer of List, and the common part of Settings.
type Integration struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Slug      string    `json:"slug"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Active is true once the integration is set up; Delete makes it false.
	Active bool `json:"active"`
	// Inherited is true when the settings come from the group or instance
	// default (GitLab 17.3 and later).
	Inherited                bool `json:"inherited"`
	CommitEvents             bool `json:"commit_events"`
	PushEvents               bool `json:"push_events"`
	IssuesEvents             bool `json:"issues_events"`
	IncidentEvents           bool `json:"incident_events"`
	AlertEvents              bool `json:"alert_events"`
	ConfidentialIssuesEvents bool `json:"confidential_issues_events"`
	MergeRequestsEvents      bool `json:"merge_requests_events"`
	TagPushEvents            bool `json:"tag_push_events"`
	DeploymentEvents         bool `json:"deployment_events"`
	NoteEvents               bool `json:"note_events"`
	ConfidentialNoteEvents   bool `json:"confidential_note_events"`
	PipelineEvents           bool `json:"pipeline_events"`
	WikiPageEvents           bool `json:"wiki_page_events"`
	JobEvents                bool `json:"job_events"`
	// VulnerabilityEvents is reported by GitLab EE only; false elsewhere.
	VulnerabilityEvents   bool `json:"vulnerability_events"`
	CommentOnEventEnabled bool `json:"comment_on_event_enabled"`
}

// plainIntegration has Integration's fields and none of its methods, so
// that embedding it does not capture the decoding of an enclosing struct.
type plainIntegration Integration

// UnmarshalJSON decodes leniently: flags sent as "true" or 1 are read too.
func (i *Integration) UnmarshalJSON(data []byte) error {
	return lenient.Decode(data, (*plainIntegration)(i))
}

// Settings is an integration's full state as GitLab reports it: the common
// fields and the integration's own Properties.
type Settings[P any] struct {
	Integration
	// Properties holds the integration's own settings. GitLab never reports
	// secrets (passwords, tokens, webhook URLs), so those stay empty.
	Properties P `json:"properties"`
	// RawProperties is the "properties" object as GitLab sent it, with any
	// key this version of the SDK does not know. From a call, it shares its
	// bytes with the answer's body as the SDK read it (the body of the
	// response WithResponseInto hands out), not with anything the SDK
	// reuses.
	RawProperties json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the common fields and the properties leniently.
func (s *Settings[P]) UnmarshalJSON(data []byte) error {
	// The one-pass decoder a call uses, when it is sure; into a copy, so
	// that an answer it is unsure of reaches the general path with s as the
	// caller left it. data is json.Unmarshal's: RawProperties gets bytes of
	// its own.
	var t Settings[P]
	if t.decodeFast(data) {
		t.RawProperties = bytes.Clone(t.RawProperties)
		*s = t
		return nil
	}
	return s.decodeGeneral(data)
}

// decodeGeneral is UnmarshalJSON without the fast path: encoding/json, with
// the lenient rules wherever it reports a mismatch. It decides every answer
// the fast path is unsure of.
func (s *Settings[P]) decodeGeneral(data []byte) error {
	var w struct {
		plainIntegration
		Properties json.RawMessage `json:"properties"`
	}
	if err := lenient.Decode(data, &w); err != nil {
		return err
	}
	s.Integration = Integration(w.plainIntegration)
	s.RawProperties = w.Properties
	var zero P
	s.Properties = zero
	if len(w.Properties) == 0 || string(w.Properties) == "null" {
		return nil
	}
	if w.Properties[0] != '{' {
		return fmt.Errorf("properties: want a JSON object, got %s", lenient.Describe(w.Properties))
	}
	if err := lenient.Decode(w.Properties, &s.Properties); err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	return nil
}

// Service manages one kind of integration on GitLab projects and groups. O
// is its options struct, taken by Set; P its properties struct, reported by
// Get and Set. Use the services on Client, such as Client.Slack; the
// per-integration names (SlackService, …) are aliases of Service.
type Service[O, P any] struct {
	client *Client
	info   *IntegrationInfo
}

// Info returns the integration's metadata: slug, levels and parameters.
// A nil or zero Service, which NewClient did not make, has none: its Info is
// the zero IntegrationInfo.
func (s *Service[O, P]) Info() IntegrationInfo {
	if s == nil || s.info == nil {
		return IntegrationInfo{}
	}
	return s.info.clone()
}

// Get returns the integration's settings on a project or group. If it was
// never set up there, the error matches ErrIntegrationNotFound.
func (s *Service[O, P]) Get(ctx context.Context, scope Scope, opts ...RequestOption) (*Settings[P], error) {
	out := new(Settings[P])
	if err := s.endpoint().get(ctx, scope, out, &out.Integration, opts); err != nil {
		return nil, err
	}
	return out, nil
}

// Set creates or updates the integration on a project or group and turns it
// on. (The GitLab for Slack app and the GitLab for Jira Cloud app are the
// exceptions: they are installed from their own apps, GitLab answers 422 to
// a Set before that, and a Set leaves their active state as it is.) Nil pointer fields of o are not sent;
// GitLab keeps their current values. Required fields are plain values and
// must be sent on every call: GitLab does not keep passwords or tokens for
// an update that leaves them out.
//
// Set checks o first, and the level (some integrations exist for projects
// only); every problem found is reported at once in an error matching
// ErrValidation, and then nothing is sent.
func (s *Service[O, P]) Set(ctx context.Context, scope Scope, o *O, opts ...RequestOption) (*Settings[P], error) {
	e := s.endpoint()
	if o == nil {
		if err := e.checkRef(ctx, scope); err != nil {
			return nil, err
		}
		return nil, &ValidationError{Integration: e.slug(), Problems: []string{
			fmt.Sprintf("nil %sOptions: Set needs the settings to send", e.info.GoName)}}
	}
	p := validateOptions(o)
	out := new(Settings[P])
	if len(p) == 0 {
		e.warnIgnored(ctx, ignoredIn(o))
		e.warnValues(ctx, warningsIn(o))
	}
	if err := e.set(ctx, scope, o, p, out, &out.Integration, opts); err != nil {
		return nil, err
	}
	return out, nil
}

// Delete disables the integration on a project or group. GitLab also resets
// its settings to their defaults (event flags are kept). If it was never set
// up there, the error matches ErrIntegrationNotFound.
func (s *Service[O, P]) Delete(ctx context.Context, scope Scope, opts ...RequestOption) error {
	return s.endpoint().delete(ctx, scope, opts)
}

// endpoint is the service's view of the one implementation every service
// shares, typed and by slug.
func (s *Service[O, P]) endpoint() endpoint {
	if s == nil {
		return endpoint{}
	}
	return endpoint{client: s.client, info: s.info}
}

// List returns the integrations that are active on a project or group,
// without their properties (GitLab's list omits them; use the service's Get).
func (c *Client) List(ctx context.Context, scope Scope, opts ...RequestOption) ([]*Integration, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, invalid("nil context.Context (use context.Background())")
	}
	if err := scope.validate(); err != nil {
		return nil, err
	}
	var out integrationList // decoded in one pass (integrationList.decodeFast)
	if err := c.doIntegrations(ctx, http.MethodGet, scope, nil, nil, &out, opts); err != nil {
		return nil, err
	}
	for i, it := range out {
		if it == nil {
			return nil, fmt.Errorf("%w: entry %d of the list is null", ErrInvalidResponse, i)
		}
	}
	return out, nil
}
