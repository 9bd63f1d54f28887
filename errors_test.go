package integrations

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sentinels are the errors.Is targets an *Error may match.
var sentinels = map[string]error{
	"ErrNotFound":            ErrNotFound,
	"ErrIntegrationNotFound": ErrIntegrationNotFound,
	"ErrProjectNotFound":     ErrProjectNotFound,
	"ErrGroupNotFound":       ErrGroupNotFound,
	"ErrUnauthorized":        ErrUnauthorized,
	"ErrForbidden":           ErrForbidden,
	"ErrRateLimited":         ErrRateLimited,
	"ErrValidation":          ErrValidation,
	"ErrInvalidResponse":     ErrInvalidResponse,

	"ErrIntegrationNotAvailable": ErrIntegrationNotAvailable,
	"ErrUnknownIntegration":      ErrUnknownIntegration,
	"ErrIntegrationRemoved":      ErrIntegrationRemoved,
}

// TestErrorsFromGitLabAnswers sends GitLab's real error answers (see
// ../shared/gitlab-api/SUMMARY.md) and checks the *Error: status, method,
// URL, message, per-field messages, body, and exactly the sentinels that
// must match.
func TestErrorsFromGitLabAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		method  string
		status  int
		body    string
		message string
		fields  map[string][]string
		matches []string
		// legacyRetry: the SDK asks once more below /services, which
		// answers the same.
		legacyRetry bool
	}{
		{
			name: "Grape validation, several problems", method: http.MethodPut, status: 400,
			body:    `{"error":"url is missing, password is missing"}`,
			message: "url is missing, password is missing",
			fields:  map[string][]string{"url": {"is missing"}, "password": {"is missing"}},
		},
		{
			name: "Grape invalid value", method: http.MethodPut, status: 400,
			body:    `{"error":"jira_auth_type does not have a valid value, webhook is invalid"}`,
			message: "jira_auth_type does not have a valid value, webhook is invalid",
			fields:  map[string][]string{"jira_auth_type": {"does not have a valid value"}, "webhook": {"is invalid"}},
		},
		{
			name: "field messages as an object", method: http.MethodPut, status: 400,
			body:    `{"message":{"webhook":["is blocked"],"url":["must be a valid URL","is too long"]}}`,
			message: "url must be a valid URL, url is too long, webhook is blocked",
			fields:  map[string][]string{"webhook": {"is blocked"}, "url": {"must be a valid URL", "is too long"}},
		},
		{
			name: "model validation as a Ruby hash", method: http.MethodPut, status: 400,
			body:    `{"message":"Failed to update integration. {:webhook=>[\"is blocked: Requests to the local network are not allowed\"]}"}`,
			message: `Failed to update integration. {:webhook=>["is blocked: Requests to the local network are not allowed"]}`,
			fields:  map[string][]string{"webhook": {"is blocked: Requests to the local network are not allowed"}},
		},
		{
			name: "model validation as a Ruby hash, several fields", method: http.MethodPut, status: 400,
			body:    `{"message":"Failed to update integration. {:url=>[\"is blocked\", \"must be a valid URL\"], :password=>[\"can't be blank\"]}"}`,
			message: `Failed to update integration. {:url=>["is blocked", "must be a valid URL"], :password=>["can't be blank"]}`,
			fields:  map[string][]string{"url": {"is blocked", "must be a valid URL"}, "password": {"can't be blank"}},
		},
		{
			name: "model validation as a Ruby 3.4 hash", method: http.MethodPut, status: 400,
			body:    `{"message":"Failed to update integration. {webhook: [\"is blocked\"], project_url: [\"must be a valid URL\"]}"}`,
			message: `Failed to update integration. {webhook: ["is blocked"], project_url: ["must be a valid URL"]}`,
			fields:  map[string][]string{"webhook": {"is blocked"}, "project_url": {"must be a valid URL"}},
		},
		{
			name: "model validation as a Ruby 3.4 hash with string keys", method: http.MethodPut, status: 400,
			body:    `{"message":"Failed to update integration. {\"webhook\" => [\"is blocked\"]}"}`,
			message: `Failed to update integration. {"webhook" => ["is blocked"]}`,
			fields:  map[string][]string{"webhook": {"is blocked"}},
		},
		{
			name: "integration not available at that level", method: http.MethodPut, status: 400,
			body: `{"message":"400 Integration not available"}`, message: "400 Integration not available",
			matches: []string{"ErrIntegrationNotAvailable"},
		},
		{
			name: "no default to inherit", method: http.MethodPut, status: 400,
			body: `{"message":"Default integration not found."}`, message: "Default integration not found.",
		},
		{
			name: "cannot create from the API", method: http.MethodPut, status: 422,
			body:    `{"message":"You cannot create the GitLab for Slack app integration from the API"}`,
			message: "You cannot create the GitLab for Slack app integration from the API",
		},
		{
			name: "integration never set up", method: http.MethodGet, status: 404,
			body: `{"message":"404 Integration Not Found"}`, message: "404 Integration Not Found",
			matches: []string{"ErrNotFound", "ErrIntegrationNotFound"},
		},
		{
			name: "integration never set up, older server", method: http.MethodGet, status: 404,
			body: `{"message":"404 Service Not Found"}`, message: "404 Service Not Found",
			matches: []string{"ErrNotFound", "ErrIntegrationNotFound"},
		},
		{
			name: "project not found", method: http.MethodGet, status: 404,
			body: `{"message":"404 Project Not Found"}`, message: "404 Project Not Found",
			matches: []string{"ErrNotFound", "ErrProjectNotFound"},
		},
		{
			name: "group not found", method: http.MethodDelete, status: 404,
			body: `{"message":"404 Group Not Found"}`, message: "404 Group Not Found",
			matches: []string{"ErrNotFound", "ErrGroupNotFound"},
		},
		{
			name: "unknown route", method: http.MethodPut, status: 404,
			body: `{"error":"404 Not Found"}`, message: "404 Not Found",
			matches: []string{"ErrNotFound", "ErrUnknownIntegration"}, legacyRetry: true,
		},
		{
			name: "unknown slug", method: http.MethodGet, status: 400,
			body: `{"error":"slug does not have a valid value"}`, message: "slug does not have a valid value",
			fields: map[string][]string{"slug": {"does not have a valid value"}}, matches: []string{"ErrUnknownIntegration"},
		},
		{
			name: "unauthorized", method: http.MethodGet, status: 401,
			body: `{"message":"401 Unauthorized"}`, message: "401 Unauthorized",
			matches: []string{"ErrUnauthorized"},
		},
		{
			name: "forbidden", method: http.MethodPut, status: 403,
			body: `{"message":"403 Forbidden"}`, message: "403 Forbidden",
			matches: []string{"ErrForbidden"},
		},
		{
			name: "rate limited", method: http.MethodGet, status: 429,
			body: `Retry later`, message: "Too Many Requests",
			matches: []string{"ErrRateLimited"},
		},
		{
			name: "HTML page from a proxy", method: http.MethodGet, status: 502,
			body:    "<html><body><h1>502 Bad Gateway</h1></body></html>",
			message: "Bad Gateway",
		},
		{
			name: "empty body", method: http.MethodDelete, status: 500,
			body: "", message: "Internal Server Error",
		},
		{
			name: "precondition failed", method: http.MethodDelete, status: 412,
			body: `{"message":"412 Precondition Failed"}`, message: "412 Precondition Failed",
		},
		{
			name: "message as a list", method: http.MethodPut, status: 400,
			body: `{"message":["first problem","second problem"]}`, message: "first problem, second problem",
		},
		{
			name: "JSON without message or error", method: http.MethodGet, status: 500,
			body: `{"status":500}`, message: "Internal Server Error",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := newFakeGitLab(t)
			url := fakeBaseURL + "/api/v4/projects/acme%2Fweb/integrations/slack"
			fake.onFunc(tc.method, url, func(*http.Request) (int, http.Header, string) {
				return tc.status, http.Header{"X-Request-Id": {"req-1"}}, tc.body
			})
			fake.onFunc(tc.method, strings.Replace(url, "/integrations/", "/services/", 1), func(*http.Request) (int, http.Header, string) {
				return tc.status, http.Header{"X-Request-Id": {"req-2"}}, tc.body
			})
			c := fake.client()
			ctx := context.Background()
			var err error
			switch tc.method {
			case http.MethodGet:
				_, err = c.Slack.Get(ctx, Project("acme/web"))
			case http.MethodPut:
				_, err = c.Slack.Set(ctx, Project("acme/web"), &SlackOptions{Webhook: "https://hooks.slack.com/services/T/B/X"})
			case http.MethodDelete:
				err = c.Slack.Delete(ctx, Project("acme/web"))
			}
			require.Error(t, err)
			if tc.legacyRetry {
				assert.Len(t, fake.requests(), 2, "once more below /services")
			} else {
				assert.Len(t, fake.requests(), 1, "no retry: WithoutRetries")
			}

			var apiErr *Error
			require.True(t, errors.As(err, &apiErr), "want *Error, got %T: %v", err, err)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.method, apiErr.Method)
			assert.Equal(t, url, apiErr.URL)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, tc.fields, apiErr.Fields)
			assert.Equal(t, tc.body, string(apiErr.Body))
			assert.Equal(t, "req-1", apiErr.Header.Get("X-Request-Id"))

			for name, sentinel := range sentinels {
				want := false
				for _, m := range tc.matches {
					want = want || m == name
				}
				assert.Equal(t, want, errors.Is(err, sentinel), "errors.Is(err, %s)", name)
			}

			msg := err.Error()
			assert.Contains(t, msg, tc.method+" "+url)
			assert.Contains(t, msg, strconv.Itoa(tc.status))
			assert.Contains(t, msg, tc.message)
			assert.NotContains(t, msg, fakeToken)
			assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), fakeToken)
		})
	}
}

// TestErrorMatchesOnlyItsOwnStatus checks that a message alone never makes a
// sentinel match: "Integration Not Found" in a 400 is not ErrNotFound.
func TestErrorMatchesOnlyItsOwnStatus(t *testing.T) {
	t.Parallel()
	e := &Error{StatusCode: 400, Method: "GET", URL: "https://h/api/v4/x", Message: "404 Integration Not Found"}
	for name, sentinel := range sentinels {
		assert.False(t, errors.Is(e, sentinel), name)
	}
	wrapped := fmt.Errorf("setting up: %w", &Error{StatusCode: 404, Message: "404 Project Not Found"})
	assert.ErrorIs(t, wrapped, ErrNotFound)
	assert.ErrorIs(t, wrapped, ErrProjectNotFound)
	assert.NotErrorIs(t, wrapped, ErrIntegrationNotFound)
	assert.NotErrorIs(t, wrapped, ErrGroupNotFound)
}

// TestErrorStringWithoutMessage checks Error() when there is no message.
func TestErrorStringWithoutMessage(t *testing.T) {
	t.Parallel()
	e := &Error{StatusCode: 503, Method: "PUT", URL: "https://gitlab.example.com/api/v4/groups/7/integrations/slack"}
	assert.Equal(t, "integrations: PUT https://gitlab.example.com/api/v4/groups/7/integrations/slack: 503 Service Unavailable: Service Unavailable", e.Error())
}

// TestValidationErrorShape checks the ValidationError's text and matching.
func TestValidationErrorShape(t *testing.T) {
	t.Parallel()
	e := &ValidationError{Integration: "slack", Problems: []string{"webhook: is required", "branches_to_be_notified: \"x\" is not one of all, default"}}
	assert.Equal(t, `integrations: invalid slack options: webhook: is required; branches_to_be_notified: "x" is not one of all, default`, e.Error())
	assert.ErrorIs(t, fmt.Errorf("wrapped: %w", e), ErrValidation)
	assert.NotErrorIs(t, e, ErrInvalidResponse)
}
