package integrations

// IntegrationInfo describes one integration: its slug, its levels and every
// parameter GitLab accepts for it. Catalog returns one for each integration
// the SDK knows; validation, the in-memory GitLab of package
// integrationstest and users' own tools all read the same data.
type IntegrationInfo struct {
	// Slug is the integration's name in API paths, such as "emails-on-push".
	Slug string
	// GoName is the name of its Client field and types, such as "EmailsOnPush".
	GoName string
	// Title is the name GitLab shows, such as "Emails on push".
	Title string
	// Summary is one line on what the integration does.
	Summary string
	// Tier is the lowest GitLab tier that has it: free, premium, ultimate,
	// or dev-only for the mock integrations of GitLab's development mode.
	Tier string
	// Project and Group report the levels at which it can be set up.
	Project bool
	Group   bool
	// RemovedIn is the GitLab version that removed the integration from the
	// API ("15.0"), empty while current GitLab still serves it. Older
	// self-managed servers still serve removed integrations.
	RemovedIn string
	// Note is a caveat, such as a deprecation, empty when there is none.
	Note string
	// Events lists the event flags it accepts, such as "push_events".
	Events []string
	// Parameters lists every parameter Set sends, in API order.
	Parameters []ParameterInfo
}

// Parameter returns the parameter with the given API name.
func (i IntegrationInfo) Parameter(name string) (ParameterInfo, bool) {
	for _, p := range i.Parameters {
		if p.Name == name {
			return p, true
		}
	}
	return ParameterInfo{}, false
}

// ParameterType is the JSON type GitLab expects for a parameter.
type ParameterType string

// The parameter types of GitLab's Integrations API.
const (
	TypeString     ParameterType = "string"
	TypeBoolean    ParameterType = "boolean"
	TypeInteger    ParameterType = "integer"
	TypeStringList ParameterType = "array_of_string"
)

// ParameterInfo describes one parameter of an integration.
type ParameterInfo struct {
	// Name is the parameter's API name, such as "branches_to_be_notified".
	Name string
	// GoName is the name of its field in the options struct.
	GoName string
	// Type is the JSON type GitLab expects.
	Type ParameterType
	// Required parameters must be sent on every Set, updates included.
	Required bool
	// Secret parameters (passwords, tokens, keys, webhook URLs) are redacted
	// in fmt and slog output of the options struct.
	Secret bool
	// Returned is true when GitLab reports the value in `properties`.
	Returned bool
	// Event is true for event flags such as push_events.
	Event bool
	// Ignored is true when current GitLab accepts the name but drops the
	// value (it was documented once, or is accepted by older servers only).
	Ignored bool
	// AllowedValues lists the values GitLab accepts, empty when any value
	// of the type is accepted.
	AllowedValues []string
	// CommaList is true for a string that holds a comma-separated list of
	// AllowedValues.
	CommaList bool
	// Description is one line on what the parameter does.
	Description string
	// Note is a caveat: where the documentation and the server disagree,
	// and what the server does.
	Note string
}

// Catalog returns the metadata of every integration the SDK knows, ordered
// by slug. The result is a copy: changing it changes nothing in the SDK.
func Catalog() []IntegrationInfo {
	out := make([]IntegrationInfo, len(catalog))
	for i := range catalog {
		out[i] = catalog[i].clone()
	}
	return out
}

// Lookup returns the metadata of the integration with the given slug.
func Lookup(slug string) (IntegrationInfo, bool) {
	for i := range catalog {
		if catalog[i].Slug == slug {
			return catalog[i].clone(), true
		}
	}
	return IntegrationInfo{}, false
}

// clone copies i deeply, so that callers cannot change the SDK's catalog.
func (i *IntegrationInfo) clone() IntegrationInfo {
	out := *i
	out.Events = append([]string(nil), i.Events...)
	out.Parameters = make([]ParameterInfo, len(i.Parameters))
	for j, p := range i.Parameters {
		out.Parameters[j] = p
		out.Parameters[j].AllowedValues = append([]string(nil), p.AllowedValues...)
	}
	return out
}
