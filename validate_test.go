package integrations

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireValidation asserts err is a *ValidationError for slug and returns
// its problems.
func requireValidation(t *testing.T, slug string, err error) []string {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, ErrValidation)
	var ve *ValidationError
	require.True(t, errors.As(err, &ve), "want *ValidationError, got %T: %v", err, err)
	assert.Equal(t, slug, ve.Integration)
	return ve.Problems
}

// TestSetRequiresRequiredParameters sends an empty options struct to every
// integration: Set must name every required parameter in one error and send
// nothing; integrations without required parameters must send the request.
func TestSetRequiresRequiredParameters(t *testing.T) {
	t.Parallel()
	var withRequired, required int
	for _, sc := range generatedServices {
		info := catalogEntry(t, sc.slug)
		var names []string
		for _, p := range info.Parameters {
			if p.Required {
				names = append(names, p.Name)
			}
		}
		if len(names) > 0 {
			withRequired++
			required += len(names)
		}
		t.Run(sc.slug, func(t *testing.T) {
			t.Parallel()
			fake := newFakeGitLab(t)
			fake.on("PUT", fakeBaseURL+"/api/v4/projects/42/integrations/"+sc.slug, 200, string(fixtureBytes(t, sc.slug)))
			_, err := sc.set(context.Background(), fake.client(), ProjectID(42), sc.newOptions())
			if len(names) == 0 {
				require.NoError(t, err)
				assert.Len(t, fake.requests(), 1)
				return
			}
			problems := requireValidation(t, sc.slug, err)
			require.Len(t, problems, len(names), "one problem per required parameter: %v", problems)
			for i, name := range names {
				assert.True(t, strings.HasPrefix(problems[i], name+": is required"), "problem %q names %s", problems[i], name)
			}
			assert.Empty(t, fake.requests(), "nothing may be sent")
		})
	}
	t.Logf("required: %d integrations have %d required parameters", withRequired, required)
}

// TestSetRefusesValuesNotAllowed sets each parameter with allowed values, in
// every integration, to a value outside them: one problem naming it, nothing
// sent. Every allowed value is accepted.
func TestSetRefusesValuesNotAllowed(t *testing.T) {
	t.Parallel()
	var checked int
	for _, sc := range generatedServices {
		info := catalogEntry(t, sc.slug)
		for _, p := range info.Parameters {
			if len(p.AllowedValues) == 0 {
				continue
			}
			checked++
			t.Run(sc.slug+"/"+p.Name, func(t *testing.T) {
				t.Parallel()
				fake := newFakeGitLab(t)
				fake.on("PUT", fakeBaseURL+"/api/v4/projects/42/integrations/"+sc.slug, 200, string(fixtureBytes(t, sc.slug)))
				c := fake.client()

				bad := "not-allowed"
				if p.Type == TypeInteger {
					bad = "99"
				}
				if p.CommaList {
					bad = p.AllowedValues[0] + "," + bad
				}
				o := sc.newOptions()
				fillOptions(t, info, o, sampleValues)
				setField(t, o, p, bad)
				_, err := sc.set(context.Background(), c, ProjectID(42), o)
				problems := requireValidation(t, sc.slug, err)
				require.Len(t, problems, 1, "%v", problems)
				assert.Contains(t, problems[0], p.Name+": ")
				assert.Contains(t, problems[0], fmt.Sprintf("%q", strings.TrimPrefix(bad, p.AllowedValues[0]+",")), "the problem quotes the value")
				assert.Contains(t, problems[0], strings.Join(p.AllowedValues, ", "), "the problem lists what is allowed")
				assert.Empty(t, fake.requests(), "nothing may be sent")

				for _, ok := range p.AllowedValues {
					setField(t, o, p, ok)
					_, err := sc.set(context.Background(), c, ProjectID(42), o)
					require.NoError(t, err, "%s = %s", p.Name, ok)
				}
				assert.Len(t, fake.requests(), len(p.AllowedValues))
			})
		}
	}
	t.Logf("allowed values: %d parameters checked", checked)
}

// setField sets the options field of p to the value written as text.
func setField(t *testing.T, o any, p ParameterInfo, text string) {
	t.Helper()
	fv := reflect.ValueOf(o).Elem().FieldByName(p.GoName)
	require.True(t, fv.IsValid(), "no field %s", p.GoName)
	if fv.Kind() == reflect.Pointer {
		fv.Set(reflect.New(fv.Type().Elem()))
		fv = fv.Elem()
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(text)
	case reflect.Int, reflect.Int64:
		var n int64
		_, err := fmt.Sscan(text, &n)
		require.NoError(t, err)
		fv.SetInt(n)
	default:
		t.Fatalf("%s: cannot set a %s", p.Name, fv.Kind())
	}
}

// TestSetReportsEveryProblemAtOnce checks that the level, every missing
// parameter and every value not allowed come in one error.
func TestSetReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	fake := newFakeGitLab(t)
	c := fake.client()
	ctx := context.Background()

	// Jenkins exists for projects only, and needs jenkins_url and project_name.
	_, err := c.Jenkins.Set(ctx, GroupID(7), &JenkinsOptions{})
	problems := requireValidation(t, "jenkins", err)
	require.Len(t, problems, 3, "%v", problems)
	assert.Contains(t, problems[0], "projects only")
	assert.Contains(t, problems[0], "group 7")
	assert.True(t, strings.HasPrefix(problems[1], "jenkins_url: is required"))
	assert.True(t, strings.HasPrefix(problems[2], "project_name: is required"))

	_, err = c.Pushover.Set(ctx, Project("acme/web"), &PushoverOptions{
		APIKey: "k", Priority: "3", Sound: Ptr(PushoverSound("kazoo")),
	})
	problems = requireValidation(t, "pushover", err)
	require.Len(t, problems, 3, "%v", problems)
	assert.Equal(t, "user_key: is required (GitLab needs it on every Set, updates included)", problems[0])
	assert.True(t, strings.HasPrefix(problems[1], `priority: "3" is not one of -2, -1, 0, 1`), problems[1])
	assert.True(t, strings.HasPrefix(problems[2], `sound: "kazoo" is not one of pushover,`), problems[2])
	assert.Contains(t, err.Error(), "invalid pushover options")

	_, err = c.JiraCloudApp.Set(ctx, GroupID(7), &JiraCloudAppOptions{
		JiraCloudAppDeploymentGatingEnvironments: Ptr("production, qa ,staging,prod"),
	})
	problems = requireValidation(t, "jira-cloud-app", err)
	assert.Equal(t, []string{
		`jira_cloud_app_deployment_gating_environments: "qa" is not one of production, staging, testing, development`,
		`jira_cloud_app_deployment_gating_environments: "prod" is not one of production, staging, testing, development (did you mean "production"?)`,
	}, problems)

	assert.Empty(t, fake.requests(), "nothing may be sent")
}

// TestBadCallsSendNothing covers the calls refused before any request: nil
// options, empty or negative references, malformed paths, a nil context and
// a service that no Client made. Each matches ErrValidation (except the
// service, which is a programming error) and nothing is sent.
func TestBadCallsSendNothing(t *testing.T) {
	t.Parallel()
	fake := newFakeGitLab(t)
	c := fake.client()
	ctx := context.Background()

	for _, sc := range generatedServices {
		nilOptions := reflect.Zero(reflect.TypeOf(sc.newOptions())).Interface()
		_, err := sc.set(ctx, c, ProjectID(42), nilOptions)
		require.ErrorIs(t, err, ErrValidation, sc.slug)
		assert.Contains(t, err.Error(), "nil "+catalogEntry(t, sc.slug).GoName+"Options")
	}

	badScopes := []struct {
		scope Scope
		want  string
	}{
		{Scope{}, "empty project reference"},
		{Project(""), "empty project reference"},
		{ProjectID(0), "empty project reference"},
		{ProjectID(-1), "project ID -1 is not positive"},
		{Group(""), "empty group reference"},
		{GroupID(0), "empty group reference"},
		{GroupID(-7), "group ID -7 is not positive"},
		{Project("/acme/web"), "empty segment"},
		{Project("acme/web/"), "empty segment"},
		{Project("acme//web"), "empty segment"},
		{Group("acme/../admin"), `".." segment`},
		{Group("./acme"), `"." segment`},
		{Project("acme/my web"), "space or control character"},
		{Project("acme/web\n"), "space or control character"},
		{Project("acme/web?x=1"), "never have"},
		{Project("acme/web#top"), "never have"},
		{Project("acme%2Fweb"), "never have"},
		{Group(`acme\web`), "never have"},
	}
	for _, bs := range badScopes {
		_, err := c.Slack.Set(ctx, bs.scope, &SlackOptions{Webhook: "https://hooks.slack.com/x"})
		require.ErrorIs(t, err, ErrValidation, "Set %#v", bs.scope)
		assert.Contains(t, err.Error(), bs.want, "Set %#v", bs.scope)
		_, err = c.Slack.Get(ctx, bs.scope)
		require.ErrorIs(t, err, ErrValidation, "Get %#v", bs.scope)
		assert.Contains(t, err.Error(), bs.want)
		err = c.Slack.Delete(ctx, bs.scope)
		require.ErrorIs(t, err, ErrValidation, "Delete %#v", bs.scope)
		_, err = c.List(ctx, bs.scope)
		require.ErrorIs(t, err, ErrValidation, "List %#v", bs.scope)
		assert.Contains(t, err.Error(), bs.want)
	}

	var noCtx context.Context
	_, err := c.Slack.Get(noCtx, ProjectID(1))
	require.ErrorIs(t, err, ErrValidation)
	assert.Contains(t, err.Error(), "nil context")
	_, err = c.Slack.Set(noCtx, ProjectID(1), &SlackOptions{Webhook: "https://hooks.slack.com/x"})
	require.ErrorIs(t, err, ErrValidation)
	require.ErrorIs(t, c.Slack.Delete(noCtx, ProjectID(1)), ErrValidation)
	_, err = c.List(noCtx, ProjectID(1))
	require.ErrorIs(t, err, ErrValidation)

	var orphan SlackService
	_, err = orphan.Get(ctx, ProjectID(1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "NewClient")
	var nilService *SlackService
	require.NotPanics(t, func() { err = nilService.Delete(ctx, ProjectID(1)) })
	require.Error(t, err)

	assert.Empty(t, fake.requests(), "nothing may be sent")
}

// TestCanceledContextFails checks that a call whose context is already done
// fails with the context's error, whatever the transport did.
func TestCanceledContextFails(t *testing.T) {
	t.Parallel()
	fake := newFakeGitLab(t)
	fake.on("GET", fakeBaseURL+"/api/v4/projects/1/integrations/slack", 200, string(fixtureBytes(t, "slack")))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := fake.client().Slack.Get(ctx, ProjectID(1))
	require.ErrorIs(t, err, context.Canceled)
}
