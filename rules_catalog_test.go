package integrations_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/gitlabkit/integrations/integrationstest"
)

// ruleCase is one value for one parameter, which every path must refuse
// (refused) or accept.
type ruleCase struct {
	rule    string // "required", "enum", "url", "length", "pattern"
	param   integrations.ParameterInfo
	value   any
	refused bool
}

// validValue is a value every rule of p accepts.
func validValue(p integrations.ParameterInfo) any {
	switch p.Type {
	case integrations.TypeBoolean:
		return true
	case integrations.TypeInteger:
		if len(p.AllowedValues) > 0 {
			n, _ := strconv.ParseInt(p.AllowedValues[0], 10, 64)
			return n
		}
		return int64(7)
	case integrations.TypeStringList:
		if len(p.AllowedValues) > 0 {
			return []string{p.AllowedValues[0]}
		}
		return []string{"a", "b"}
	}
	switch {
	case len(p.AllowedValues) > 0:
		return p.AllowedValues[0]
	case p.Format == integrations.FormatURL:
		return "https://" + strings.ReplaceAll(p.Name, "_", "-") + ".example.com/x" + p.Placeholder
	case p.Pattern != "":
		return matching(p)
	}
	return p.Name + "-value"
}

// matching is a value of the catalog's patterns: a word, a host name or a
// number; the test fails for a pattern none of them matches.
func matching(p integrations.ParameterInfo) string {
	re := regexp.MustCompile(p.Pattern)
	for _, v := range []string{p.Name + "-value", "value_" + p.Name, "datadoghq.eu", "4242"} {
		if re.MatchString(v) {
			return v
		}
	}
	panic(p.Name + ": no sample matches " + p.Pattern + ": add one")
}

// ruleCases lists, for every rule of p, a value the rule refuses and one
// it accepts.
func ruleCases(p integrations.ParameterInfo) []ruleCase {
	var out []ruleCase
	add := func(rule string, v any, refused bool) {
		out = append(out, ruleCase{rule: rule, param: p, value: v, refused: refused})
	}
	if p.Required {
		switch p.Type {
		case integrations.TypeString:
			add("required", "", true)
			add("required", "   ", true)
			add("required", validValue(p), false)
		case integrations.TypeStringList:
			add("required", []string{}, true)
			add("required", validValue(p), false)
		}
	}
	if len(p.AllowedValues) > 0 {
		switch p.Type {
		case integrations.TypeInteger:
			highest := int64(0)
			for _, a := range p.AllowedValues {
				n, _ := strconv.ParseInt(a, 10, 64)
				highest = max(highest, n)
			}
			add("enum", highest+5, true)
		case integrations.TypeStringList:
			add("enum", []string{"not-" + p.AllowedValues[0]}, true)
		default:
			if p.CommaList {
				add("enum", p.AllowedValues[0]+",not-"+p.AllowedValues[0], true)
			} else {
				add("enum", "not-"+p.AllowedValues[0], true)
			}
		}
		for _, a := range p.AllowedValues {
			if p.Type == integrations.TypeInteger {
				n, _ := strconv.ParseInt(a, 10, 64)
				add("enum", n, false)
			} else if p.Type == integrations.TypeString {
				add("enum", a, false)
			}
		}
	}
	if p.Format == integrations.FormatURL {
		for _, bad := range []string{"example.com/x", "ftp://example.com/x", "https://", "https:///x", "https://exa mple.com/", "https://example.com:80a/"} {
			add("url", bad, true)
		}
		for _, good := range []string{"https://example.com", "HTTP://10.0.0.1:8080/x?y=1#z", "https://user:pw@[::1]:443/" + p.Placeholder, " https://example.com/" + p.Placeholder + " "} {
			add("url", good, false)
		}
	}
	if p.Pattern != "" {
		add("pattern", "not valid!", true)
		add("pattern", matching(p), false)
	}
	if p.MaxLength > 0 {
		at := strings.Repeat("é", p.MaxLength) // characters, not bytes, as Rails counts
		if p.Pattern != "" {
			at = strings.Repeat("a", p.MaxLength)
		}
		if p.Format == integrations.FormatURL {
			prefix := "https://example.com/"
			at = prefix + strings.Repeat("a", p.MaxLength-len(prefix))
		}
		add("length", at, false)
		add("length", at+"a", true)
	}
	return out
}

// TestEveryRuleOfTheCatalogIsCheckedAlikeEverywhere takes every rule of
// every integration's parameters (required and not blank, allowed values,
// URL format, length, pattern), a value it refuses and one it accepts, and checks
// that the typed Set, the by-slug Set, ParameterInfo.Check, a spec
// (fleet.ParseSpec, then NewPlan) and the in-memory GitLab (a PUT sent
// around the SDK) all agree; for a refused value, nothing reaches GitLab
// through the SDK's paths.
func TestEveryRuleOfTheCatalogIsCheckedAlikeEverywhere(t *testing.T) {
	srv := integrationstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddProject("acme/web")
	c, err := srv.NewClient(integrations.WithoutRetries())
	require.NoError(t, err)
	ctx := context.Background()
	scope := integrations.Project("acme/web")

	counts := map[string]int{}
	integrationsWithRules := 0
	for _, info := range integrations.Catalog() {
		var cases []ruleCase
		for _, p := range info.Parameters {
			if !p.Ignored {
				cases = append(cases, ruleCases(p)...)
			}
		}
		if len(cases) == 0 {
			continue
		}
		integrationsWithRules++
		for _, rc := range cases {
			counts[rc.rule+map[bool]string{true: " refused", false: " accepted"}[rc.refused]]++
			name := fmt.Sprintf("%s.%s=%q (%s)", info.Slug, rc.param.Name, fmt.Sprint(rc.value), rc.rule)
			values := baseValues(info)
			values[rc.param.Name] = rc.value

			// The catalog's own check.
			checkErr := rc.param.Check(rc.value)
			assert.Equal(t, rc.refused, checkErr != nil, "%s: ParameterInfo.Check: %v", name, checkErr)

			srv.ResetRequests()
			// The typed Set.
			_, typedErr := typedSet(t, c, info, scope, values)
			// The by-slug Set.
			d, err := c.Integration(info.Slug)
			require.NoError(t, err)
			_, slugErr := d.Set(ctx, scope, values)
			// The spec.
			spec, specErr := fleet.ParseSpec("fleet.yaml", specYAML(t, info.Slug, values))
			if rc.refused {
				for path, err := range map[string]error{"typed Set": typedErr, "by-slug Set": slugErr, "spec": specErr} {
					require.ErrorIs(t, err, integrations.ErrValidation, "%s: %s", name, path)
					assert.Contains(t, err.Error(), rc.param.Name, "%s: %s names the parameter", name, path)
				}
				assert.Empty(t, srv.Requests(), "%s: a refused value reached GitLab", name)
			} else {
				for path, err := range map[string]error{"typed Set": typedErr, "by-slug Set": slugErr, "spec": specErr} {
					assert.NotErrorIs(t, err, integrations.ErrValidation, "%s: %s", name, path)
				}
				if specErr == nil {
					_, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{})
					if info.Slug == "slack-slash-commands" {
						// The fake plays GitLab 19.0, which removed them: the
						// plan says so rather than apply failing.
						assert.ErrorContains(t, err, "removed in GitLab 19.0", "%s: NewPlan", name)
					} else {
						assert.NotErrorIs(t, err, integrations.ErrValidation, "%s: NewPlan", name)
					}
				}
			}

			// GitLab itself (the fake), sent around the SDK; current GitLab
			// no longer serves the integrations it removed.
			if info.RemovedIn != "" {
				counts["not sent to the fake: removed from GitLab"]++
				continue
			}
			status, body := rawPut(t, srv, info.Slug, values)
			if rc.refused {
				assert.Equal(t, http.StatusBadRequest, status, "%s: the fake accepted it: %s", name, body)
				attr := rc.param.Name
				if rc.param.Name == "hostname" { // Matrix and Telegram: GitLab checks the webhook made from it
					attr = "webhook"
				}
				want := ":" + attr                   // the model's errors: {:url=>["must be a valid URL"]}
				if len(rc.param.AllowedValues) > 0 { // an enum, blank or not, is refused by Grape first
					want = attr + " does not have a valid value" // Grape's
				}
				assert.Contains(t, body, want, "%s: the fake's answer names the parameter", name)
			} else {
				assert.NotEqual(t, http.StatusBadRequest, status, "%s: the fake refused it: %s", name, body)
			}
		}
	}
	t.Logf("%d integrations with rules; cases by rule: %v", integrationsWithRules, counts)
	assert.Equal(t, len(integrations.Catalog()), integrationsWithRules+withoutRules(), "every integration with a rule was tried")
	for _, rule := range []string{"required", "enum", "url", "length", "pattern"} {
		assert.Positive(t, counts[rule+" refused"], rule)
		assert.Positive(t, counts[rule+" accepted"], rule)
	}
}

// withoutRules counts the integrations that have no parameter with a rule.
func withoutRules() int {
	n := 0
	for _, info := range integrations.Catalog() {
		if !slices.ContainsFunc(info.Parameters, func(p integrations.ParameterInfo) bool {
			return !p.Ignored && len(ruleCases(p)) > 0
		}) {
			n++
		}
	}
	return n
}

// baseValues holds a valid value for every required parameter of info.
func baseValues(info integrations.IntegrationInfo) integrations.Values {
	v := integrations.Values{}
	for _, p := range info.Parameters {
		if p.Required && !p.Ignored {
			v[p.Name] = validValue(p)
		}
	}
	return v
}

// typedSet calls the typed Set of info's service (c.<GoName>.Set) with an
// options struct holding values, filled by reflection over its fields.
func typedSet(t *testing.T, c *integrations.Client, info integrations.IntegrationInfo, scope integrations.Scope, values integrations.Values) (any, error) {
	t.Helper()
	svc := reflect.ValueOf(c).Elem().FieldByName(info.GoName)
	require.True(t, svc.IsValid(), "%s: no Client.%s", info.Slug, info.GoName)
	set := svc.MethodByName("Set")
	opts := reflect.New(set.Type().In(2).Elem())
	for i := range opts.Elem().NumField() {
		sf := opts.Elem().Type().Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		v, ok := values[name]
		if !ok {
			continue
		}
		f := opts.Elem().Field(i)
		if f.Kind() == reflect.Pointer {
			f.Set(reflect.New(f.Type().Elem()))
			f = f.Elem()
		}
		switch x := v.(type) {
		case string:
			f.SetString(x)
		case int64:
			f.SetInt(x)
		case bool:
			f.SetBool(x)
		case []string:
			f.Set(reflect.ValueOf(x).Convert(f.Type()))
		default:
			t.Fatalf("%s.%s: no typed form for %T", info.Slug, name, v)
		}
	}
	out := set.Call([]reflect.Value{reflect.ValueOf(context.Background()), reflect.ValueOf(scope), opts})
	err, _ := out[1].Interface().(error)
	return out[0].Interface(), err
}

// specYAML is a spec setting slug with values on acme/web.
func specYAML(t *testing.T, slug string, values integrations.Values) []byte {
	t.Helper()
	doc := map[string]any{"version": 1, "targets": []any{map[string]any{
		"project": "acme/web", "integrations": map[string]any{slug: map[string]any(values)},
	}}}
	out, err := yaml.Marshal(doc)
	require.NoError(t, err)
	return out
}

// rawPut sends values to the fake as a client around the SDK would, and
// returns the status and body of its answer.
func rawPut(t *testing.T, srv *integrationstest.Server, slug string, values integrations.Values) (int, string) {
	t.Helper()
	body, err := json.Marshal(values)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, srv.APIURL()+"/projects/acme%2Fweb/integrations/"+slug, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("PRIVATE-TOKEN", srv.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode == http.StatusBadRequest && !strings.Contains(buf.String(), "message") && !strings.Contains(buf.String(), "error") {
		t.Fatal(errors.New("a 400 without GitLab's error form: " + buf.String()))
	}
	return resp.StatusCode, buf.String()
}
