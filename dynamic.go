package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/gitlabkit/integrations/internal/suggest"
)

// Values holds an integration's parameters by API name, such as
// {"webhook": "https://…", "push_events": true}: what a DynamicService
// sends, and the properties it reports.
//
// Set accepts the forms people type: a boolean as true, "true", "1" or
// "yes"; an integer as any Go integer, a whole float or "42"; a list as
// []string, []any of strings or "a,b". It sends GitLab's JSON type. Get
// reports each known parameter in one Go type: bool, int64, string or
// []string.
type Values map[string]any

// DynamicService manages one integration named at run time by its slug.
// It is the same implementation as the typed services (Client.Slack and
// the others), with the same retries, rate limiting, errors and checks;
// only its options and properties are Values instead of Go structs. Get
// one with Client.Integration.
type DynamicService struct {
	client *Client
	info   *IntegrationInfo
}

// Integration returns the service of the integration named slug, such as
// "slack" or "emails-on-push". The spellings people use resolve too: with
// underscores or in another case ("emails_on_push", "Hangouts_Chat"), the
// Go name ("MicrosoftTeams"), the title, and former names ("circuit"). An
// unknown name is an error matching ErrUnknownIntegration that names the
// closest slugs.
func (c *Client) Integration(slug string) (*DynamicService, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	info, err := resolveSlug(slug)
	if err != nil {
		return nil, err
	}
	return &DynamicService{client: c, info: info}, nil
}

// Info returns the integration's metadata: slug, levels and parameters.
func (d *DynamicService) Info() IntegrationInfo {
	if d == nil || d.info == nil {
		return IntegrationInfo{}
	}
	return d.info.clone()
}

func (d *DynamicService) endpoint() endpoint {
	if d == nil {
		return endpoint{}
	}
	return endpoint{client: d.client, info: d.info}
}

// Get returns the integration's settings on a project or group, its
// properties as Values (bool, int64, string or []string for each parameter
// the SDK knows; what encoding/json decodes for any other key). If it was
// never set up there, the error matches ErrIntegrationNotFound.
func (d *DynamicService) Get(ctx context.Context, scope Scope, opts ...RequestOption) (*Settings[Values], error) {
	out := new(Settings[Values])
	e := d.endpoint()
	if err := e.get(ctx, scope, out, &out.Integration, opts); err != nil {
		return nil, err
	}
	if err := typeProperties(e.info, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Set creates or updates the integration on a project or group and turns it
// on, sending v. It checks v against the integration's parameters first and
// reports every problem at once in an error matching ErrValidation (then
// nothing is sent): a required parameter missing, a name the integration
// does not have (with the closest one it has), a value of the wrong type, a
// value GitLab does not allow, a group for a project-only integration.
func (d *DynamicService) Set(ctx context.Context, scope Scope, v Values, opts ...RequestOption) (*Settings[Values], error) {
	e := d.endpoint()
	if err := e.checkRef(ctx, scope); err != nil {
		return nil, err
	}
	body, p, ignored := checkValues(e.info, v)
	out := new(Settings[Values])
	if len(p) == 0 {
		e.warnIgnored(ctx, ignored)
		e.warnValues(ctx, valueWarnings(e.info, body))
	}
	if err := e.set(ctx, scope, body, p, out, &out.Integration, opts); err != nil {
		return nil, err
	}
	if err := typeProperties(e.info, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Check makes every check Set makes of scope and v, and sends nothing: it
// returns nil when Set would send v, and otherwise the error Set would
// return (a *ValidationError listing every problem). Tools that set many
// integrations on many places call it for each before sending any, so that
// a problem in the last one stops them before the first.
func (d *DynamicService) Check(scope Scope, v Values) error {
	e := d.endpoint()
	if e.client == nil || e.info == nil {
		return invalid("service not initialised: use Client.Integration")
	}
	if err := scope.validate(); err != nil {
		return err
	}
	_, p, _ := checkValues(e.info, v)
	var lp problems
	e.checkLevel(scope, &lp)
	if p = append(lp, p...); len(p) > 0 {
		return &ValidationError{Integration: e.info.Slug, Problems: p}
	}
	return nil
}

// Delete disables the integration on a project or group. GitLab also resets
// its settings to their defaults (event flags are kept). If it was never set
// up there, the error matches ErrIntegrationNotFound.
func (d *DynamicService) Delete(ctx context.Context, scope Scope, opts ...RequestOption) error {
	return d.endpoint().delete(ctx, scope, opts)
}

// OptionsFrom returns the Values that reproduce st on another project or
// group (its properties and event flags), and the names of the required
// parameters GitLab never reports, such as passwords and webhook URLs: add
// those before Set. An enum GitLab reported empty is left out, so that Set
// accepts the result. A nil st gives nil.
func (d *DynamicService) OptionsFrom(st *Settings[Values]) (Values, []string) {
	if d == nil || d.info == nil || st == nil {
		return nil, nil
	}
	props := make(Values, len(st.Properties))
	for k, v := range st.Properties {
		if p := paramByName(d.info, k); p != nil && v != nil {
			if tv, err := coerceValue(p, v); err == nil {
				v = tv
			}
		}
		props[k] = v
	}
	return optionsValues(d.info, &st.Integration, props)
}

// checkValues checks v against the integration's parameters and returns
// the body to send (GitLab's JSON types), the problems found, and the
// parameters sent that current GitLab ignores. Every value is checked by
// the catalog's rules (rules.go), as the typed options are.
func checkValues(info *IntegrationInfo, v Values) (body map[string]any, p problems, ignored []string) {
	body = make(map[string]any, len(v))
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	inherit := false
	if raw, ok := v["use_inherited_settings"]; ok && raw != nil {
		inherit, _ = coerceBool(raw)
	}
	for _, name := range names {
		param := paramByName(info, name)
		if param == nil {
			p.add(name, "%s has no such parameter%s", info.Slug, suggestParameter(info, name))
			continue
		}
		raw := v[name]
		if raw == nil {
			p.add(name, "no value (leave the name out to keep GitLab's value)")
			continue
		}
		val, err := coerceValue(param, raw)
		if err != nil {
			p.add(name, "%v", err)
			continue
		}
		p.checkTyped(param, val, inherit)
		if param.Ignored {
			ignored = append(ignored, name)
		}
		body[name] = val
	}
	for i := range info.Parameters {
		param := &info.Parameters[i]
		if _, given := v[param.Name]; param.Required && !given {
			p.add(param.Name, requiredMessage)
		}
	}
	return body, p, ignored
}

// valueWarnings returns the warnings of the values in body (rules.go).
func valueWarnings(info *IntegrationInfo, body map[string]any) []string {
	var out []string
	for i := range info.Parameters {
		param := &info.Parameters[i]
		if s, ok := body[param.Name].(string); ok && placeholderMissing(param, s) {
			out = append(out, placeholderWarning(param))
		}
	}
	return out
}

// suggestParameter returns " (did you mean …?)" naming the integration's
// parameters closest to name, or "" when none is close.
func suggestParameter(info *IntegrationInfo, name string) string {
	names := make([]string, len(info.Parameters))
	for i, p := range info.Parameters {
		names[i] = p.Name
	}
	near := suggest.Closest(normalizeParam(name), names, 2)
	if len(near) == 0 {
		return ""
	}
	return " (did you mean " + strings.Join(near, " or ") + "?)"
}

// normalizeParam writes a parameter name as GitLab does: lower case, with
// underscores for dashes and spaces.
func normalizeParam(name string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_"), " ", "_")
}

func paramByName(info *IntegrationInfo, name string) *ParameterInfo {
	for i := range info.Parameters {
		if info.Parameters[i].Name == name {
			return &info.Parameters[i]
		}
	}
	return nil
}

// typeProperties gives each known property of st the Go type of its
// parameter, reading the leniently typed forms GitLab sends ("1" for true,
// "42" for 42, "a,b" for a list); null becomes the type's zero value. A
// value that cannot be read as its parameter's type is an error naming it.
func typeProperties(info *IntegrationInfo, st *Settings[Values]) error {
	if len(st.RawProperties) == 0 || string(bytes.TrimSpace(st.RawProperties)) == "null" {
		st.Properties = Values{}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(st.RawProperties))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("%w: properties: %v", ErrInvalidResponse, err)
	}
	props := make(Values, len(raw))
	for k, v := range raw {
		param := paramByName(info, k)
		switch {
		case param == nil:
			props[k] = plainNumber(v)
		case v == nil:
			props[k] = zeroOf(param.Type)
		default:
			tv, err := coerceValue(param, v)
			if err != nil {
				return fmt.Errorf("%w: properties: %s: %v", ErrInvalidResponse, k, err)
			}
			props[k] = tv
		}
	}
	st.Properties = props
	return nil
}

// plainNumber turns the json.Numbers of an unknown property into int64
// (whole numbers) or float64, the types a caller expects from JSON.
func plainNumber(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = plainNumber(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = plainNumber(x[k])
		}
	}
	return v
}

func zeroOf(t ParameterType) any {
	switch t {
	case TypeBoolean:
		return false
	case TypeInteger:
		return int64(0)
	case TypeStringList:
		return []string{}
	}
	return ""
}
