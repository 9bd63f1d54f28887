module github.com/gitlabkit/integrations/bench

go 1.26

require (
	github.com/gitlabkit/integrations v0.0.0
	github.com/go-json-experiment/json v1.27.2
	github.com/stretchr/testify v1.12.1
	gitlab.com/gitlab-org/api/client-go v1.46.0
)

require (
	github.com/google/go-querystring v1.2.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/oauth2 v0.34.0 // indirect
	golang.org/x/time v0.14.0 // indirect
)

// The benchmarks measure the SDK of this working tree, not a released one.
replace github.com/gitlabkit/integrations => ../
