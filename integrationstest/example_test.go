package integrationstest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

// A test starts a server, creates what it needs, runs the code under test
// against it and checks what was sent.
func ExampleNewServer() {
	srv := integrationstest.NewServer()
	defer srv.Close()
	id := srv.AddProject("acme/web")

	c, err := integrations.NewClient(srv.Token(), integrations.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Slack.Set(context.Background(), integrations.ProjectID(id), &integrations.SlackOptions{
		Webhook: "https://hooks.slack.com/services/T000/B000/XXXX",
		Channel: integrations.Ptr("#deploys"),
	})
	if err != nil {
		log.Fatal(err)
	}

	for _, r := range srv.Requests() {
		body, _ := r.JSON()
		fmt.Println(r.Method, r.Path, r.Status, body["channel"], r.Header.Get("PRIVATE-TOKEN"))
	}
	// Output: PUT /api/v4/projects/1/integrations/slack 200 #deploys [REDACTED]
}

// Faults on demand: the next request fails, and every answer carries the
// rate-limit headers.
func ExampleServer_FailNext() {
	srv := integrationstest.NewServer(integrationstest.WithRateLimit(100))
	defer srv.Close()
	srv.AddProject("acme/web")
	c, err := srv.NewClient(integrations.WithoutRetries())
	if err != nil {
		log.Fatal(err)
	}

	srv.FailNext(1, 500)
	_, err = c.List(context.Background(), integrations.Project("acme/web"))
	var gerr *integrations.Error
	if errors.As(err, &gerr) {
		fmt.Println(gerr.StatusCode, gerr.Message)
		fmt.Println("rate limit:", gerr.Header.Get("RateLimit-Limit"), "remaining:", gerr.Header.Get("RateLimit-Remaining"))
	}
	_, err = c.List(context.Background(), integrations.Project("acme/web"))
	fmt.Println("then:", err)
	// Output:
	// 500 500 Internal Server Error
	// rate limit: 100 remaining: 99
	// then: <nil>
}
