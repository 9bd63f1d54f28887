package integrations

import (
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
)

// redacted replaces a secret in every output the SDK controls.
const redacted = "[redacted]"

// secretString holds the token. It prints as [redacted] whatever the verb,
// and keeps the value behind a pointer: fmt does not call the methods of an
// unexported field, so printing a Client struct by value (fmt.Printf("%+v",
// *c), or a struct that holds one) shows an address, never the token.
type secretString struct{ p *string }

func newSecretString(s string) secretString { return secretString{p: &s} }

// reveal returns the secret, for the request header that needs it.
func (s secretString) reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

func (s secretString) String() string                { return redacted }
func (s secretString) GoString() string              { return strconv.Quote(redacted) }
func (s secretString) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, redacted) }
func (s secretString) LogValue() slog.Value          { return slog.StringValue(redacted) }
func (s secretString) MarshalText() ([]byte, error)  { return []byte(redacted), nil }

// isSecretField reports whether a generated options field is a secret: the
// generator tags those `redact:"true"`.
func isSecretField(f reflect.StructField) bool { return f.Tag.Get("redact") == "true" }

// formatOptions prints an options struct with its secrets redacted, for
// every fmt verb. Nil pointers are left out and set ones shown by value, so
// %v shows what Set will send: {Webhook:[redacted] Channel:#deploys}.
func formatOptions(f fmt.State, verb rune, v any) {
	rv := reflect.ValueOf(v)
	rt := rv.Type()
	var b strings.Builder
	goSyntax := verb == 'v' && f.Flag('#')
	if goSyntax {
		b.WriteString("integrations." + rt.Name())
	}
	b.WriteByte('{')
	first := true
	for i := 0; i < rt.NumField(); i++ {
		sf := rt.Field(i)
		fv := rv.Field(i)
		if !sf.IsExported() || (fv.Kind() == reflect.Pointer && fv.IsNil()) || (fv.Kind() == reflect.Slice && fv.IsNil()) {
			continue
		}
		if !first {
			if goSyntax {
				b.WriteString(", ")
			} else {
				b.WriteByte(' ')
			}
		}
		first = false
		b.WriteString(sf.Name)
		b.WriteByte(':')
		ptr := fv.Kind() == reflect.Pointer
		if ptr {
			fv = fv.Elem()
		}
		switch {
		case isSecretField(sf) && !fv.IsZero():
			if goSyntax {
				b.WriteString(strconv.Quote(redacted))
			} else {
				b.WriteString(redacted)
			}
		case goSyntax && ptr:
			fmt.Fprintf(&b, "integrations.Ptr(%#v)", fv.Interface())
		case goSyntax:
			fmt.Fprintf(&b, "%#v", fv.Interface())
		default:
			fmt.Fprintf(&b, "%v", fv.Interface())
		}
	}
	b.WriteByte('}')
	_, _ = io.WriteString(f, b.String())
}

// logOptions is the slog form of an options struct: its set fields under
// their API names, secrets redacted.
func logOptions(v any) slog.Value {
	rv := reflect.ValueOf(v)
	rt := rv.Type()
	attrs := make([]slog.Attr, 0, rt.NumField())
	for i := 0; i < rt.NumField(); i++ {
		sf := rt.Field(i)
		fv := rv.Field(i)
		if !sf.IsExported() || (fv.Kind() == reflect.Pointer && fv.IsNil()) || (fv.Kind() == reflect.Slice && fv.IsNil()) {
			continue
		}
		if fv.Kind() == reflect.Pointer {
			fv = fv.Elem()
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if isSecretField(sf) && !fv.IsZero() {
			attrs = append(attrs, slog.String(name, redacted))
			continue
		}
		attrs = append(attrs, slog.Any(name, fv.Interface()))
	}
	return slog.GroupValue(attrs...)
}
