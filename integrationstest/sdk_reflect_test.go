package integrationstest_test

import (
	"context"
	"fmt"
	"hash/crc32"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
)

// service reaches one integration's Service through reflection, by its Go
// name, so that the tests can iterate over the catalog, and so that the four
// removed integrations (whose Client fields are Deprecated) are never named.
type service struct {
	info integrations.IntegrationInfo
	v    reflect.Value // *integrations.Service[O, P]
}

func serviceOf(c *integrations.Client, info integrations.IntegrationInfo) (service, error) {
	v := reflect.ValueOf(c).Elem().FieldByName(info.GoName)
	if !v.IsValid() || v.IsNil() {
		return service{}, fmt.Errorf("Client has no service field %s for %s", info.GoName, info.Slug)
	}
	return service{info: info, v: v}, nil
}

// newOptions returns a new *O for the service's Set.
func (s service) newOptions() reflect.Value {
	return reflect.New(s.v.MethodByName("Set").Type().In(2).Elem())
}

func (s service) call(name string, args ...reflect.Value) []reflect.Value {
	return s.v.MethodByName(name).Call(args)
}

func errOf(v reflect.Value) error {
	if v.IsNil() {
		return nil
	}
	return v.Interface().(error)
}

// settings is a *Settings[P] seen through reflection.
type settings struct{ v reflect.Value }

func (s settings) integration() integrations.Integration {
	return s.v.Elem().FieldByName("Integration").Interface().(integrations.Integration)
}

func (s settings) properties() reflect.Value { return s.v.Elem().FieldByName("Properties") }

func (s settings) rawProperties() []byte {
	return s.v.Elem().FieldByName("RawProperties").Bytes()
}

func (s service) set(ctx context.Context, scope integrations.Scope, opts reflect.Value) (settings, error) {
	out := s.call("Set", reflect.ValueOf(ctx), reflect.ValueOf(scope), opts)
	return settings{out[0]}, errOf(out[1])
}

func (s service) get(ctx context.Context, scope integrations.Scope) (settings, error) {
	out := s.call("Get", reflect.ValueOf(ctx), reflect.ValueOf(scope))
	return settings{out[0]}, errOf(out[1])
}

func (s service) delete(ctx context.Context, scope integrations.Scope) error {
	return errOf(s.call("Delete", reflect.ValueOf(ctx), reflect.ValueOf(scope))[0])
}

// jsonName returns the API name in a struct field's json tag.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// fieldByJSON finds the field of struct v whose json name is name,
// looking into embedded structs.
func fieldByJSON(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if fv, ok := fieldByJSON(v.Field(i), name); ok {
				return fv, true
			}
			continue
		}
		if jsonName(f) == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// fill sets every field of the options struct *o to a value of round (1
// or 2, so that an update changes every value), and returns the value set
// for each API name. Booleans are true in round 1 and false in round 2, so
// that explicit false is exercised; use_inherited_settings is always false
// (true would ask to inherit, which needs a group default).
func fill(info integrations.IntegrationInfo, o reflect.Value, round int) (map[string]any, error) {
	set := map[string]any{}
	st := o.Elem()
	for i := 0; i < st.NumField(); i++ {
		f := st.Type().Field(i)
		name := jsonName(f)
		p, ok := info.Parameter(name)
		if !ok {
			return nil, fmt.Errorf("%s: options field %s (json %q) is no catalog parameter", info.Slug, f.Name, name)
		}
		fv := st.Field(i)
		target := fv
		if f.Type.Kind() == reflect.Pointer {
			target = reflect.New(f.Type.Elem()).Elem()
		}
		switch target.Kind() {
		case reflect.Bool:
			target.SetBool(round == 1 && p.Name != "use_inherited_settings")
		case reflect.String:
			target.SetString(stringValue(p, round))
		case reflect.Int, reflect.Int64, reflect.Int32:
			n := int64(6600 + round)
			if len(p.AllowedValues) > 0 {
				fmt.Sscan(p.AllowedValues[(round*7)%len(p.AllowedValues)], &n)
			}
			target.SetInt(n)
		case reflect.Slice:
			list := reflect.MakeSlice(target.Type(), 2, 2)
			list.Index(0).SetString(fmt.Sprintf("r%d-%s-a", round, p.Name))
			list.Index(1).SetString(fmt.Sprintf("r%d-%s-b", round, p.Name))
			target.Set(list)
		default:
			return nil, fmt.Errorf("%s: field %s has kind %s, which the test cannot fill", info.Slug, f.Name, target.Kind())
		}
		if f.Type.Kind() == reflect.Pointer {
			fv.Set(target.Addr())
		}
		set[name] = target.Interface()
	}
	return set, nil
}

// stringValue is a distinct, plausible value for a string parameter.
func stringValue(p integrations.ParameterInfo, round int) string {
	return fitPattern(p, plainStringValue(p, round))
}

// plainStringValue is stringValue before fitting the parameter's pattern.
func plainStringValue(p integrations.ParameterInfo, round int) string {
	switch {
	case len(p.AllowedValues) > 0 && p.CommaList:
		a := p.AllowedValues
		return a[round%len(a)] + "," + a[(round+1)%len(a)]
	case len(p.AllowedValues) > 0:
		return p.AllowedValues[(round*7)%len(p.AllowedValues)]
	case p.Format == integrations.FormatURL || strings.Contains(p.Name, "url") || strings.Contains(p.Name, "webhook") || strings.HasSuffix(p.Name, "_channel"):
		return fmt.Sprintf("https://r%d.example.com/%s%s", round, p.Name, p.Placeholder)
	}
	return fmt.Sprintf("r%d-%s", round, p.Name)
}

// fitPattern returns v, or a value like it that matches p.Pattern (a
// sample for Datadog's api_key, a site, Telegram's thread).
func fitPattern(p integrations.ParameterInfo, v string) string {
	if p.Pattern == "" || strings.TrimSpace(v) == "" { // blank: the pattern does not apply
		return v
	}
	re := regexp.MustCompile(p.Pattern)
	word := strings.NewReplacer("-", "_", " ", "_", "/", "_", ":", "_", ".", "_").Replace(v)
	for _, c := range []string{v, word, word + ".example.com", strconv.Itoa(int(crc32.ChecksumIEEE([]byte(v))))} {
		if re.MatchString(c) {
			return c
		}
	}
	panic("no sample matches " + p.Pattern)
}
