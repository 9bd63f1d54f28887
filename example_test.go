package integrations_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// The examples run against an in-memory GitLab from package
// integrationstest; with a real one, pass its URL and your token instead.

// gitlab starts an in-memory GitLab holding the project acme/web.
func gitlab() *integrationstest.Server {
	srv := integrationstest.NewServer()
	srv.AddProject("acme/web")
	return srv
}

func ExampleNewClient() {
	srv := gitlab()
	defer srv.Close()

	// With a real GitLab: integrations.NewClient(os.Getenv("GITLAB_TOKEN"),
	// integrations.WithBaseURL("https://gitlab.example.com")).
	c, err := integrations.NewClient(srv.Token(), integrations.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	active, err := c.List(context.Background(), integrations.Project("acme/web"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d integrations active on acme/web\n", len(active))
	// Output: 0 integrations active on acme/web
}

func ExampleService_Set() {
	srv := gitlab()
	defer srv.Close()
	c, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}

	// Required parameters are values; optional ones are pointers, sent only
	// when set, so that false can be sent too.
	s, err := c.Slack.Set(context.Background(), integrations.Project("acme/web"), &integrations.SlackOptions{
		Webhook:              "https://hooks.slack.com/services/T000/B000/XXXX",
		Channel:              integrations.Ptr("#deploys"),
		BranchesToBeNotified: integrations.Ptr(integrations.BranchesDefaultAndProtected),
		PipelineEvents:       integrations.Ptr(true),
		PushEvents:           integrations.Ptr(false),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Slug, s.Active, s.Properties.Channel, s.Properties.BranchesToBeNotified)
	fmt.Println("pipeline events:", s.PipelineEvents, "push events:", s.PushEvents)
	// Output:
	// slack true #deploys default_and_protected
	// pipeline events: true push events: false
}

func ExampleService_Get() {
	srv := gitlab()
	defer srv.Close()
	c, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	_, err = c.EmailsOnPush.Set(ctx, integrations.Project("acme/web"), &integrations.EmailsOnPushOptions{
		Recipients:   "dev@example.com ops@example.com",
		DisableDiffs: integrations.Ptr(true),
	})
	if err != nil {
		log.Fatal(err)
	}

	s, err := c.EmailsOnPush.Get(ctx, integrations.Project("acme/web"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("active=%t recipients=%q disable_diffs=%t\n", s.Active, s.Properties.Recipients, s.Properties.DisableDiffs)
	// Output: active=true recipients="dev@example.com ops@example.com" disable_diffs=true
}

func ExampleService_Delete() {
	srv := gitlab()
	defer srv.Close()
	c, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	project := integrations.Project("acme/web")
	if _, err := c.Slack.Set(ctx, project, &integrations.SlackOptions{
		Webhook: "https://hooks.slack.com/services/T000/B000/XXXX",
		Channel: integrations.Ptr("#deploys"),
	}); err != nil {
		log.Fatal(err)
	}

	// Delete disables the integration and resets its settings; GitLab
	// keeps the record, so Get still finds it, inactive.
	if err := c.Slack.Delete(ctx, project); err != nil {
		log.Fatal(err)
	}
	s, err := c.Slack.Get(ctx, project)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("active=%t channel=%q\n", s.Active, s.Properties.Channel)
	// Output: active=false channel=""
}

func ExampleClient_List() {
	srv := gitlab()
	defer srv.Close()
	c, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	project := integrations.Project("acme/web")
	if _, err := c.Jira.Set(ctx, project, &integrations.JiraOptions{URL: "https://acme.atlassian.net", Password: "api-token"}); err != nil {
		log.Fatal(err)
	}
	if _, err := c.PipelinesEmail.Set(ctx, project, &integrations.PipelinesEmailOptions{Recipients: "ops@example.com"}); err != nil {
		log.Fatal(err)
	}

	// List returns the active integrations, without their properties.
	active, err := c.List(ctx, project)
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range active {
		fmt.Printf("%s (%s)\n", it.Title, it.Slug)
	}
	// Output:
	// Jira issues (jira)
	// Pipeline status emails (pipelines-email)
}

// Errors: check the options before anything is sent, tell "never set up"
// from "no such project", and read GitLab's message.
func Example_errors() {
	srv := gitlab()
	defer srv.Close()
	c, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The SDK reports every problem of the options at once, and sends nothing.
	_, err = c.Jira.Set(ctx, integrations.Project("acme/web"), &integrations.JiraOptions{})
	var verr *integrations.ValidationError
	if errors.As(err, &verr) {
		fmt.Println("invalid:", errors.Is(err, integrations.ErrValidation), len(verr.Problems), "problems")
	}

	_, err = c.Jira.Get(ctx, integrations.Project("acme/web"))
	if errors.Is(err, integrations.ErrIntegrationNotFound) {
		fmt.Println("jira was never set up on acme/web")
	}

	_, err = c.Jira.Get(ctx, integrations.Project("acme/nope"))
	var gerr *integrations.Error
	if errors.Is(err, integrations.ErrProjectNotFound) && errors.As(err, &gerr) {
		fmt.Println(gerr.StatusCode, gerr.Message)
	}

	bad, err := integrations.NewClient("glpat-wrong", integrations.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	_, err = bad.List(ctx, integrations.Project("acme/web"))
	fmt.Println("unauthorized:", errors.Is(err, integrations.ErrUnauthorized))
	// Output:
	// invalid: true 2 problems
	// jira was never set up on acme/web
	// 404 404 Project Not Found
	// unauthorized: true
}

// ParameterInfo.Check applies the rules Set applies, so that a tool can
// check a value before it builds a request: here Harbor's url, which
// GitLab's model requires to be an http or https URL.
func ExampleParameterInfo_Check() {
	harbor, _ := integrations.Lookup("harbor")
	url, _ := harbor.Parameter("url")
	fmt.Println(url.Format)
	fmt.Println(url.Check("https://harbor.example.com"))
	fmt.Println(url.Check("harbor.example.com"))
	fmt.Println(url.Check("   "))

	jira, _ := integrations.Lookup("jira")
	auth, _ := jira.Parameter("jira_auth_type")
	fmt.Println(auth.Check(7))
	// Output:
	// url
	// <nil>
	// integrations: invalid request: url: is not a URL GitLab accepts: write it with http:// or https:// and a host, such as https://example.com
	// integrations: invalid request: url: is blank (spaces only): GitLab needs a value that is not blank
	// integrations: invalid request: jira_auth_type: "7" is not one of 0, 1, 2
}

// ParameterInfo.Warning names what GitLab accepts but will not use as
// people expect: Set logs it and sends the value.
func ExampleParameterInfo_Warning() {
	tracker, _ := integrations.Lookup("custom-issue-tracker")
	issues, _ := tracker.Parameter("issues_url")
	fmt.Printf("%q\n", issues.Warning("https://tracker.example.com/issues/:id"))
	fmt.Println(issues.Warning("https://tracker.example.com/issues"))
	// Output:
	// ""
	// issues_url has no :id: GitLab accepts it, but links every issue to the same address
}
