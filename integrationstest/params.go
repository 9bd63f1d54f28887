package integrationstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gitlabkit/integrations"
)

// errMalformedBody is Grape's message for a body it cannot parse.
const errMalformedBody = "message body does not match declared format"

// readParams returns a PUT's parameters: the query string's, overridden by
// the body's, as Grape merges them. The body is JSON, form-encoded or
// multipart.
// Values are what encoding/json decodes with UseNumber, or strings and
// []any of strings for a form.
func readParams(contentType string, query url.Values, body []byte) (map[string]any, error) {
	params := formParams(query)
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil
	}
	mt, mtParams, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("%s", errMalformedBody)
		}
		for k, v := range formParams(form) {
			params[k] = v
		}
		return params, nil
	case "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(body), mtParams["boundary"]).ReadForm(maxBody)
		if err != nil {
			return nil, fmt.Errorf("%s", errMalformedBody)
		}
		defer func() { _ = form.RemoveAll() }()
		for k, v := range formParams(form.Value) {
			params[k] = v
		}
		return params, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return nil, fmt.Errorf("%s", errMalformedBody)
	}
	switch d := doc.(type) {
	case nil:
		// The body "null": no parameters.
	case map[string]any:
		for k, v := range d {
			params[k] = v
		}
	default:
		return nil, fmt.Errorf("%s", errMalformedBody)
	}
	return params, nil
}

// formParams reads form or query values: "name=v" as a string, "name[]=a&
// name[]=b" as a list, as Rack does.
func formParams(v url.Values) map[string]any {
	out := map[string]any{}
	for k, vs := range v {
		if name, ok := strings.CutSuffix(k, "[]"); ok {
			list := make([]any, len(vs))
			for i, x := range vs {
				list[i] = x
			}
			out[name] = list
			continue
		}
		if len(vs) > 0 {
			out[k] = vs[len(vs)-1]
		}
	}
	return out
}

// accepted is what a valid PUT asks for.
type accepted struct {
	values map[string]any // declared parameters with a value, nil to clear
	// inherit is the use_inherited_settings parameter: nil when not sent.
	inherit *bool
}

// validate checks params against the integration's declared parameters as
// Grape does: a missing required parameter "is missing", a value of the
// wrong type "is invalid", a value outside the allowed ones "does not have
// a valid value"; every problem is reported, joined with ", ". Undeclared
// and ignored parameters are dropped. What passes Grape but fails the
// model's validations (modelErrors: blank, not a URL, too long) is
// reported second.
func validate(info integrations.IntegrationInfo, params map[string]any) (acc accepted, grapeErr string, modelErr string) {
	acc.values = map[string]any{}
	var problems []string
	var model []modelError
	for _, p := range info.Parameters {
		if p.Ignored {
			continue
		}
		raw, ok := params[p.Name]
		if !ok {
			if p.Required {
				problems = append(problems, p.Name+" is missing")
			}
			continue
		}
		v, ok := coerce(p.Type, raw)
		if !ok {
			problems = append(problems, p.Name+" is invalid")
			continue
		}
		if v != nil && !allowed(p, v) {
			problems = append(problems, p.Name+" does not have a valid value")
			continue
		}
		model = append(model, modelErrors(info.Slug, p, v)...)
		if p.Name == "use_inherited_settings" {
			if b, ok := v.(bool); ok {
				acc.inherit = &b
			}
			continue
		}
		acc.values[p.Name] = v
	}
	if len(problems) > 0 {
		return acc, strings.Join(problems, ", "), ""
	}
	if len(model) > 0 {
		return acc, "", "Failed to update integration. " + rubyErrors(model)
	}
	return acc, "", ""
}

// modelError is one message of GitLab's model validation on one attribute.
type modelError struct{ attribute, message string }

// modelErrors returns what GitLab's model says of v, the value of a
// declared parameter, when the integration is saved, in its words: a
// required parameter blank ("can't be blank"), a URL field whose value is
// not a URL (public_url: "is blocked: Only allowed schemes are http, https"
// for a missing or other scheme, "must be a valid URL" otherwise; a blank
// required URL gets both messages, as GitLab's two validators each add
// theirs), a value too long ("is too long (maximum is 255 characters)"),
// one not of the form a pattern requires ("is invalid").
// The rules are the catalog's (ParameterInfo.Format and MaxLength), and the
// SDK's own checker decides whether a URL passes, so that the SDK and this
// server cannot disagree.
func modelErrors(slug string, p integrations.ParameterInfo, v any) []modelError {
	var out []modelError
	blank := isBlank(v)
	if p.Required && blank {
		out = append(out, modelError{p.Name, "can't be blank"})
	}
	s, isString := v.(string)
	if p.Format == integrations.FormatURL && (isString || v == nil) {
		attr := p.Name
		if derived, ok := derivedURLs[slug+"."+p.Name]; ok {
			attr = derived
		}
		switch {
		case blank && p.Required:
			out = append(out, modelError{attr, "must be a valid URL"})
		case blank:
		case !hasHTTPScheme(s):
			out = append(out, modelError{attr, "is blocked: Only allowed schemes are http, https"})
		case p.Check(s) != nil:
			out = append(out, modelError{attr, "must be a valid URL"})
		}
	}
	if isString && !blank && p.Pattern != "" && p.Check(s) != nil && (p.MaxLength == 0 || utf8.RuneCountInString(s) <= p.MaxLength) {
		msg := "is invalid" // Rails' format validation
		if p.Pattern == `^[+-]?\d+$` {
			msg = "is not a number" // Rails' numericality validation
		}
		out = append(out, modelError{p.Name, msg})
	}
	if n := utf8.RuneCountInString(s); isString && p.MaxLength > 0 && n > p.MaxLength {
		out = append(out, modelError{p.Name, fmt.Sprintf("is too long (maximum is %d characters)", p.MaxLength)})
	}
	return out
}

// derivedURLs are the URL parameters GitLab checks through the attribute
// it builds from them: Matrix and Telegram make their webhook from
// hostname, and GitLab's error names webhook.
var derivedURLs = map[string]string{"matrix.hostname": "webhook", "telegram.hostname": "webhook"}

// hasHTTPScheme reports whether s starts with http:// or https://, in any
// case, after leading spaces (GitLab strips the value first).
func hasHTTPScheme(s string) bool {
	scheme, _, ok := strings.Cut(strings.TrimSpace(s), "://")
	return ok && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https"))
}

// rubyErrors prints model errors as GitLab's message does, the inspect of
// a Ruby hash, the messages of one attribute together:
// {:url=>["can't be blank", "must be a valid URL"], :password=>["can't be blank"]}.
func rubyErrors(errs []modelError) string {
	var order []string
	byAttr := map[string][]string{}
	for _, e := range errs {
		if _, seen := byAttr[e.attribute]; !seen {
			order = append(order, e.attribute)
		}
		byAttr[e.attribute] = append(byAttr[e.attribute], strconv.Quote(e.message))
	}
	parts := make([]string, len(order))
	for i, a := range order {
		parts[i] = ":" + a + "=>[" + strings.Join(byAttr[a], ", ") + "]"
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// coerce converts a parameter's value to its declared type as Grape does,
// reporting false when it cannot. nil (JSON null) stays nil.
func coerce(t integrations.ParameterType, raw any) (any, bool) {
	if raw == nil {
		return nil, true
	}
	switch t {
	case integrations.TypeBoolean:
		return coerceBool(raw)
	case integrations.TypeInteger:
		return coerceInt(raw)
	case integrations.TypeStringList:
		list, ok := raw.([]any)
		if !ok {
			return nil, false
		}
		out := make([]string, 0, len(list))
		for _, x := range list {
			s, ok := coerceString(x)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	default:
		return coerceString(raw)
	}
}

func coerceString(raw any) (string, bool) {
	switch v := raw.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// coerceBool accepts what Grape's Boolean accepts: true and false, as JSON
// booleans or as the strings and numbers Rails reads as booleans.
func coerceBool(raw any) (any, bool) {
	switch v := raw.(type) {
	case bool:
		return v, true
	case json.Number:
		switch v.String() {
		case "1":
			return true, true
		case "0":
			return false, true
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1", "t", "yes", "y", "on":
			return true, true
		case "false", "0", "f", "no", "n", "off":
			return false, true
		}
	}
	return nil, false
}

// coerceInt accepts JSON integers and strings of digits.
func coerceInt(raw any) (any, bool) {
	var s string
	switch v := raw.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		return nil, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, false
	}
	return n, true
}

// allowed reports whether v is among the parameter's allowed values; for a
// comma list, every item must be.
func allowed(p integrations.ParameterInfo, v any) bool {
	if len(p.AllowedValues) == 0 {
		return true
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case int64:
		s = strconv.FormatInt(x, 10)
	default:
		return true
	}
	if !p.CommaList {
		return slices.Contains(p.AllowedValues, s)
	}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" && !slices.Contains(p.AllowedValues, part) {
			return false
		}
	}
	return true
}

// isBlank is Rails' blank?: nil, an empty or all-space string, an empty list.
func isBlank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []string:
		return len(x) == 0
	}
	return false
}
