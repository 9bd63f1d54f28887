package integrations

import (
	"encoding/json"
	"reflect"
	"strings"
)

// OptionsFrom returns options that reproduce st on another project or group
// (its properties and event flags), and the API names of the required
// parameters GitLab never reports, such as passwords and webhook URLs: fill
// those before Set. An enum GitLab reported empty or null is left unset, so
// that Set accepts the result. It is how settings are copied:
//
//	got, _ := c.Slack.Get(ctx, integrations.Project("acme/web"))
//	o, missing := c.Slack.OptionsFrom(got) // missing: [webhook]
//	o.Webhook = os.Getenv("SLACK_WEBHOOK")
//	_, err := c.Slack.Set(ctx, integrations.Project("acme/api"), o)
//
// A nil st gives nil options.
func (s *Service[O, P]) OptionsFrom(st *Settings[P]) (*O, []string) {
	if s == nil || s.info == nil || st == nil {
		return nil, nil
	}
	props, err := propertiesAsValues(s.info, st.Properties)
	if err != nil {
		return nil, nil
	}
	v, missing := optionsValues(s.info, &st.Integration, props)
	data, err := json.Marshal(v)
	if err != nil {
		return nil, nil
	}
	o := new(O)
	if err := json.Unmarshal(data, o); err != nil {
		return nil, nil
	}
	return o, missing
}

// propertiesAsValues turns a properties struct into Values of the catalog's
// Go types.
func propertiesAsValues(info *IntegrationInfo, props any) (Values, error) {
	data, err := json.Marshal(props)
	if err != nil {
		return nil, err
	}
	st := &Settings[Values]{RawProperties: data}
	if err := typeProperties(info, st); err != nil {
		return nil, err
	}
	return st.Properties, nil
}

// optionsValues builds the parameters that reproduce a reported state: the
// event flags from the common fields, the reported properties, and
// use_inherited_settings false so that the target keeps these values rather
// than inheriting its group's. Parameters current GitLab ignores are left
// out. It also returns the required parameters that have no reported value.
func optionsValues(info *IntegrationInfo, common *Integration, props Values) (Values, []string) {
	out := Values{}
	var missing []string
	flags := reportedFlags(common)
	for i := range info.Parameters {
		p := &info.Parameters[i]
		if p.Ignored {
			continue
		}
		if p.Name == "use_inherited_settings" {
			out[p.Name] = false
			continue
		}
		if flag, ok := flags[p.Name]; ok && p.Type == TypeBoolean {
			out[p.Name] = flag
			continue
		}
		v, reported := props[p.Name]
		if !reported || v == nil {
			if p.Required {
				missing = append(missing, p.Name)
			}
			continue
		}
		if s, ok := v.(string); ok && s == "" && (p.Required || (len(p.AllowedValues) > 0 && !p.CommaList)) {
			if p.Required {
				missing = append(missing, p.Name)
			}
			continue // an empty enum: GitLab's default applies
		}
		out[p.Name] = v
	}
	return out, missing
}

// reportedFlags returns the boolean common fields of an answer (event flags
// and comment_on_event_enabled) by JSON name; "active" and "inherited" are
// states, not parameters, and are left out.
func reportedFlags(i *Integration) map[string]bool {
	rv := reflect.ValueOf(i).Elem()
	rt := rv.Type()
	out := make(map[string]bool, rt.NumField())
	for j := 0; j < rt.NumField(); j++ {
		f := rt.Field(j)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type.Kind() != reflect.Bool || name == "active" || name == "inherited" {
			continue
		}
		out[name] = rv.Field(j).Bool()
	}
	return out
}
