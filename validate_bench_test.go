package integrations

import "testing"

// BenchmarkValidateOptions measures the typed Set's checks alone, on
// options that pass: they must allocate nothing.
func BenchmarkValidateOptions(b *testing.B) {
	jira := &JiraOptions{URL: "https://acme.atlassian.net", Password: "secret", JiraAuthType: Ptr(JiraAuthPersonalAccessToken),
		ProjectKeys: []string{"WEB", "OPS"}, JiraIssuePrefix: Ptr("GL-")}
	tracker := &CustomIssueTrackerOptions{ProjectURL: "https://t.example.com", IssuesURL: "https://t.example.com/:id", NewIssueURL: "https://t.example.com/new"}
	b.ReportAllocs()
	for b.Loop() {
		if validateOptions(jira) != nil || validateOptions(tracker) != nil {
			b.Fatal("problems")
		}
	}
}
