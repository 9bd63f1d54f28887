package main

import "testing"

func TestForPeople(t *testing.T) {
	for in, want := range map[string]string{
		"fleet: apply: fleet: plan: context canceled": "context canceled",
		"listing its integrations: integrations: GET http://h/api/v4/projects/a%2Fb/integrations: 404 Not Found: 404 Project Not Found": "listing its integrations: GitLab answered 404 Not Found: 404 Project Not Found",
		"fleet: Audit: integrations: invalid request: nil client":                                                                       "nil client",
		"integrations: invalid slack options: webhook: is required":                                                                     "slack: webhook: is required",
		`unknown integration "x" (integrations.Catalog() lists them)`:                                                                   `unknown integration "x" (gitlab-integrations catalog lists them)`,
		"the integrations: list": "the integrations: list",
	} {
		if got := forPeople(in); got != want {
			t.Errorf("forPeople(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
