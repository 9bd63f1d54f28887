package integrations

import "context"

// Values holds an integration's parameters by API name, such as
// {"webhook": "https://…", "push_events": true}: what DynamicService sends
// and reports.
type Values map[string]any

// DynamicService manages one integration named at run time by its slug, on
// the same implementation as the typed services: same retries, limiter,
// errors and validation. Get one with Client.Integration.
type DynamicService struct {
	client *Client
	info   *IntegrationInfo
}

// Integration returns the service of the integration with the given slug
// ("slack", "emails-on-push"). Common other spellings resolve too: with
// underscores, the Go name ("MicrosoftTeams"), older names ("hangouts_chat").
// An unknown slug is an error matching ErrUnknownIntegration that names the
// closest slugs.
func (c *Client) Integration(slug string) (*DynamicService, error) {
	return nil, errorf("Integration: not implemented yet")
}

// Info returns the integration's metadata.
func (d *DynamicService) Info() IntegrationInfo {
	if d == nil || d.info == nil {
		return IntegrationInfo{}
	}
	return d.info.clone()
}

// Get returns the integration's settings, its properties as Values.
func (d *DynamicService) Get(ctx context.Context, scope Scope, opts ...RequestOption) (*Settings[Values], error) {
	return nil, errorf("not implemented yet")
}

// Set checks v against the catalog and sends it.
func (d *DynamicService) Set(ctx context.Context, scope Scope, v Values, opts ...RequestOption) (*Settings[Values], error) {
	return nil, errorf("not implemented yet")
}

// Delete disables the integration.
func (d *DynamicService) Delete(ctx context.Context, scope Scope, opts ...RequestOption) error {
	return errorf("not implemented yet")
}

// OptionsFrom returns the Values that reproduce st, and the required
// parameters GitLab never reports (secrets) that the caller must add.
func (d *DynamicService) OptionsFrom(st *Settings[Values]) (Values, []string) {
	return nil, nil
}

// OptionsFrom returns options that reproduce st, and the required
// parameters GitLab never reports (secrets) that the caller must fill.
func (s *Service[O, P]) OptionsFrom(st *Settings[P]) (*O, []string) {
	return nil, nil
}

// ParseScope reads a scope written as "project:acme/web", "project:42",
// "group:acme/sub" or "group:7".
func ParseScope(text string) (Scope, error) {
	return Scope{}, errorf("ParseScope: not implemented yet")
}
