// Package desc defines the shape of generated/integrations.json, the API
// description every generated file of the SDK comes from. The importer writes
// it and the generator reads it, so both agree on one set of Go types.
package desc

// Description is the whole API description.
type Description struct {
	// Comment says where the description came from and how to rebuild it.
	Comment      string        `json:"comment"`
	Integrations []Integration `json:"integrations"`
	Enums        []Enum        `json:"enums"`
}

// Integration describes one GitLab integration (one :slug of the API).
type Integration struct {
	Slug    string `json:"slug"`
	GoName  string `json:"go_name"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Tier    string `json:"tier"`
	// Project and Group tell at which levels the integration can be set up.
	Project bool `json:"project"`
	Group   bool `json:"group"`
	// InSeed is true for the 37 integrations of GitLab's 14.8 documentation,
	// which the SDK started from; it is not part of the SDK's API.
	InSeed bool `json:"in_seed"`
	// RemovedIn is the GitLab version that removed the integration from the
	// API; such integrations still run on older self-managed servers.
	RemovedIn string `json:"removed_in,omitempty"`
	// Note is a caveat worth a line in the docs (deprecated, dev-only, …).
	Note       string      `json:"note,omitempty"`
	Events     []string    `json:"events"`
	Parameters []Parameter `json:"parameters"`
}

// Parameter describes one parameter accepted by PUT …/integrations/:slug.
type Parameter struct {
	Name   string `json:"name"`
	GoName string `json:"go_name"`
	// Type is one of string, boolean, integer, array_of_string.
	Type     string `json:"type"`
	Required bool   `json:"required"`
	// Secret parameters are write-only or credentials: they are redacted in
	// every fmt and slog output of an options struct.
	Secret bool `json:"secret"`
	// Returned is true when GitLab reports the value back in `properties`.
	Returned bool `json:"returned"`
	// Event is true for the event flags (push_events, …).
	Event bool `json:"event,omitempty"`
	// Ignored is true when the current server accepts the name but drops it.
	Ignored bool `json:"ignored,omitempty"`
	// Instead says, for an ignored parameter, what to do instead; the
	// generator puts it in the field's Deprecated: paragraph.
	Instead string `json:"instead,omitempty"`
	// Enum names the enum type of the parameter, if it has allowed values.
	Enum string `json:"enum,omitempty"`
	// CommaList is true for string parameters that hold a comma-separated
	// list, each element of which must be an allowed value.
	CommaList     bool     `json:"comma_list,omitempty"`
	AllowedValues []string `json:"allowed_values,omitempty"`
	// Format names the shape GitLab's model requires of a non-blank value:
	// "url" for the fields GitLab checks with its public_url or
	// addressable_url validator (scheme http or https, and a host).
	Format string `json:"format,omitempty"`
	// MaxLength is the longest value, in characters, GitLab's model accepts;
	// 0 when it sets no limit.
	MaxLength int `json:"max_length,omitempty"`
	// Pattern is a regular expression (RE2 syntax, anchored) a non-blank
	// value must match, from the model's format or numericality validation.
	Pattern string `json:"pattern,omitempty"`
	// Placeholder is text the value should contain for GitLab to use it
	// (":id" in an issue link template). GitLab accepts a value without it,
	// so the SDK warns and does not refuse.
	Placeholder string `json:"placeholder,omitempty"`
	// Validation says where in GitLab's sources the model checks Format,
	// MaxLength or Placeholder come from, such as
	// "app/models/concerns/integrations/base/harbor.rb: validates :url, public_url: true".
	Validation  string `json:"validation,omitempty"`
	Description string `json:"description"`
	// Note is the caveat the field's doc comment carries: where the original
	// documentation and the server disagree, what the server does.
	Note string `json:"note,omitempty"`
}

// Enum is a named Go type with constants for a parameter's allowed values.
type Enum struct {
	GoName string `json:"go_name"`
	// Type is the Go kind behind the enum: string or int.
	Type        string      `json:"type"`
	Description string      `json:"description"`
	Values      []EnumValue `json:"values"`
}

// EnumValue is one constant of an Enum.
type EnumValue struct {
	GoName      string `json:"go_name"`
	Value       string `json:"value"`
	Description string `json:"description"`
}
