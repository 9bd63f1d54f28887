package integrations

import "sync"

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
	// Required parameters must be sent on every Set, updates included, and
	// not blank: GitLab's presence validation refuses "", a string of
	// spaces and an empty list (except with use_inherited_settings true,
	// where GitLab saves the group's values).
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
	// Format is the shape GitLab's model requires of a value that is not
	// blank, empty when it requires none. FormatURL is the only one: an
	// absolute http or https URL with a host.
	Format string
	// MaxLength is the most characters GitLab's model accepts in the value,
	// 0 when it sets no limit.
	MaxLength int
	// Pattern is a regular expression (package regexp's syntax, anchored
	// with ^ and $) that a value that is not blank must match, from
	// GitLab's model, such as Harbor's project names in lower case; empty
	// when there is none.
	Pattern string
	// Placeholder is text GitLab replaces in the value, such as ":id" in an
	// issue link template. GitLab accepts a value without it, so Set does
	// not refuse one: it logs a warning through the client's logger.
	Placeholder string
	// Description is one line on what the parameter does.
	Description string
	// Note is a caveat: where the documentation and the server disagree,
	// and what the server does.
	Note string
}

// Catalog returns the metadata of every integration the SDK knows, ordered
// by slug. The result is a copy: changing it changes nothing in the SDK.
// It costs the same few allocations whatever the number of integrations:
// their events, parameters and allowed values are copied into one array
// each.
func Catalog() []IntegrationInfo {
	return cloneInfos(catalog)
}

// Lookup returns the metadata of the integration with the given slug,
// found through an index built once: no copy but of that integration.
func Lookup(slug string) (IntegrationInfo, bool) {
	in := lookupEntry(slug)
	if in == nil {
		return IntegrationInfo{}, false
	}
	return in.clone(), true
}

// lookupEntry returns the SDK's own catalog entry of slug, not a copy (nil
// when no integration has that slug): for the SDK's reads only.
func lookupEntry(slug string) *IntegrationInfo {
	i, ok := catalogIndex()[slug]
	if !ok {
		return nil
	}
	return &catalog[i]
}

// catalogIndex maps each slug to its position in catalog.
var catalogIndex = sync.OnceValue(func() map[string]int {
	m := make(map[string]int, len(catalog))
	for i := range catalog {
		m[catalog[i].Slug] = i
	}
	return m
})

// clone copies i deeply, so that callers cannot change the SDK's catalog.
func (i *IntegrationInfo) clone() IntegrationInfo {
	return cloneInfos([]IntegrationInfo{*i})[0]
}

// cloneInfos copies infos deeply in four allocations: the infos, and one
// array each for their events, parameters and allowed values. Each copied
// slice is a full slice expression of its array, so that appending to one
// cannot write into the next.
func cloneInfos(infos []IntegrationInfo) []IntegrationInfo {
	var nEvents, nParams, nValues int
	for i := range infos {
		nEvents += len(infos[i].Events)
		nParams += len(infos[i].Parameters)
		for j := range infos[i].Parameters {
			nValues += len(infos[i].Parameters[j].AllowedValues)
		}
	}
	out := make([]IntegrationInfo, len(infos))
	events := make([]string, 0, nEvents)
	params := make([]ParameterInfo, 0, nParams)
	values := make([]string, 0, nValues)
	for i := range infos {
		out[i] = infos[i]
		out[i].Events = copyInto(&events, infos[i].Events)
		start := len(params)
		params = append(params, infos[i].Parameters...)
		out[i].Parameters = params[start:len(params):len(params)]
		for j := range out[i].Parameters {
			p := &out[i].Parameters[j]
			p.AllowedValues = copyInto(&values, p.AllowedValues)
		}
	}
	return out
}

// copyInto appends src to *arr and returns the appended part; nil for an
// empty src, as append([]string(nil), src...) gives.
func copyInto(arr *[]string, src []string) []string {
	if len(src) == 0 {
		return nil
	}
	start := len(*arr)
	*arr = append(*arr, src...)
	return (*arr)[start:len(*arr):len(*arr)]
}
