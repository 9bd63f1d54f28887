package fleet_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

func ExampleParseSpec() {
	_, err := fleet.ParseSpec("fleet.yaml", []byte(`version: 1
targets:
  - group: acme
    integrations:
      jenkins: absent
      slakc:
        webhook: ${env:SLACK_WEBHOOK}
`))
	fmt.Println(err)
	// Output:
	// fleet.yaml:5: Jenkins (jenkins) exists for projects only, not on a group: move it to a project: or projects_in: target
	// fleet.yaml:6: unknown integration "slakc" (did you mean "slack"?)
}

func ExampleNewPlan() {
	srv := integrationstest.NewServer()
	defer srv.Close()
	srv.AddProject("acme/web")
	c, _ := srv.NewClient()
	ctx := context.Background()
	_, _ = c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{
		Webhook: "https://hooks.slack.com/services/T0/B0/X", Channel: integrations.Ptr("#general")})

	spec, err := fleet.ParseSpec("fleet.yaml", []byte(`version: 1
targets:
  - project: acme/web
    integrations:
      slack:
        webhook: ${env:SLACK_WEBHOOK}
        channel: "#deploys"
      emails-on-push:
        recipients: dev@example.com
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Planned where SLACK_WEBHOOK is not set (a merge-request pipeline,
	// say): the plan holds, and says what apply will need.
	noSecrets := func(string) (string, bool) { return "", false }
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{LookupEnv: noSecrets})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = p.WriteText(os.Stdout)
	// Output:
	// + project:acme/web emails-on-push (create)
	//     + recipients: "dev@example.com"
	// ~ project:acme/web slack (update)
	//     ~ channel: "#general" → "#deploys"
	//     ! apply will need SLACK_WEBHOOK, not set here (fleet.yaml:6)
	//
	// Apply will need 1 reference not resolvable here: ${env:SLACK_WEBHOOK}.
	// Plan: 1 to create, 1 to update, 0 to disable, 0 to inherit, 0 unchanged.
}

func ExampleApply() {
	srv := integrationstest.NewServer()
	defer srv.Close()
	srv.AddProject("acme/web")
	c, _ := srv.NewClient()
	ctx := context.Background()
	spec := &fleet.Spec{Version: 1, Targets: []fleet.Target{{
		Project: "acme/web",
		Integrations: map[string]fleet.Desired{
			"slack": {Params: map[string]any{"webhook": "${env:SLACK_WEBHOOK}", "channel": "#deploys"}},
		},
	}}}
	p, _ := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	lookup := func(name string) (string, bool) {
		return "https://hooks.slack.com/services/T0/B0/X", name == "SLACK_WEBHOOK"
	}
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{LookupEnv: lookup})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.Results {
		fmt.Println(r.Scope, r.Integration, r.Action, r.Err)
	}
	again, _ := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
	fmt.Println("changes left:", again.HasChanges())
	// Output:
	// project acme/web slack create <nil>
	// changes left: false
}

func ExampleExport() {
	srv := integrationstest.NewServer()
	defer srv.Close()
	srv.AddProject("acme/web")
	c, _ := srv.NewClient()
	ctx := context.Background()
	_, _ = c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{
		Webhook: "https://hooks.slack.com/services/T0/B0/X", Channel: integrations.Ptr("#deploys")})

	spec, err := fleet.Export(ctx, c, []fleet.Target{{Project: "acme/web"}}, fleet.ExportOptions{Only: []string{"slack"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("set before applying:", spec.SecretRefs())
	_ = spec.WriteYAML(os.Stdout)
	// Output:
	// set before applying: [${env:SLACK_WEBHOOK}]
	// version: 1
	// targets:
	//   - project: acme/web
	//     integrations:
	//       slack:
	//         webhook: ${env:SLACK_WEBHOOK}
	//         channel: '#deploys'
	//         push_events: true
	//         issues_events: true
	//         confidential_issues_events: true
	//         merge_requests_events: true
	//         note_events: true
	//         confidential_note_events: true
	//         tag_push_events: true
	//         pipeline_events: false
	//         wiki_page_events: true
	//         deployment_events: false
	//         incident_events: false
	//         vulnerability_events: false
	//         alert_events: false
}
