package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretOptions returns a new options struct of the integration with every
// required parameter set to a valid value and every secret parameter to a
// value unique to it, and the secrets by API name.
func secretOptions(t *testing.T, sc serviceCase, info IntegrationInfo) (any, map[string]string) {
	t.Helper()
	o := sc.newOptions()
	rv := reflect.ValueOf(o).Elem()
	secrets := map[string]string{}
	for i := range rv.NumField() {
		sf := rv.Type().Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		p, ok := info.Parameter(name)
		require.True(t, ok, "%s: field %s is not in the catalog", info.Slug, sf.Name)
		require.Equal(t, p.Secret, isSecretField(sf), "%s.%s: the catalog and the redact tag disagree", info.Slug, name)
		fv := rv.Field(i)
		switch {
		case p.Secret:
			secret := fmt.Sprintf("S3CRET-%s-%s-%d", info.Slug, name, i)
			if p.Format == FormatURL { // a secret URL, such as a webhook
				secret = fmt.Sprintf("https://hooks.example.com/S3CRET-%s-%s-%d", info.Slug, name, i)
			}
			secret = fitPattern(p, secret)
			secrets[name] = secret
			setText(t, fv, secret)
		case p.Required:
			fillRequired(t, info, p, fv)
		}
	}
	return o, secrets
}

// setText stores s in a string or *string field.
func setText(t *testing.T, fv reflect.Value, s string) {
	t.Helper()
	if fv.Kind() == reflect.Pointer {
		fv.Set(reflect.New(fv.Type().Elem()))
		fv = fv.Elem()
	}
	require.Equal(t, reflect.String, fv.Kind(), "secret fields are strings")
	fv.SetString(s)
}

// fillRequired stores a valid value for a required parameter.
func fillRequired(t *testing.T, info IntegrationInfo, p ParameterInfo, fv reflect.Value) {
	t.Helper()
	switch fv.Kind() {
	case reflect.String:
		v := "https://example.com/" + p.Name
		if len(p.AllowedValues) > 0 {
			v = p.AllowedValues[0]
		}
		fv.SetString(fitPattern(p, v))
	case reflect.Bool:
		fv.SetBool(true)
	case reflect.Int, reflect.Int64:
		n := int64(1)
		if len(p.AllowedValues) > 0 {
			_, err := fmt.Sscan(p.AllowedValues[0], &n)
			require.NoError(t, err)
		}
		fv.SetInt(n)
	case reflect.Slice:
		v := "a"
		if len(p.AllowedValues) > 0 {
			v = p.AllowedValues[0]
		}
		fv.Set(reflect.Append(reflect.MakeSlice(fv.Type(), 0, 1), reflect.ValueOf(v).Convert(fv.Type().Elem())))
	default:
		t.Fatalf("%s.%s: unexpected kind %s", info.Slug, p.Name, fv.Kind())
	}
}

// printedForms is every way a user might print or log an options struct.
func printedForms(o any) map[string]string {
	v := reflect.ValueOf(o).Elem().Interface() // the struct value
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%q", "%x"} {
		out[verb+" value"] = fmt.Sprintf(verb, v)
		out[verb+" pointer"] = fmt.Sprintf(verb, o)
	}
	out["Sprint"] = fmt.Sprint(v)
	out["Sprintln pointer"] = fmt.Sprintln(o)
	out["String"] = reflect.ValueOf(o).MethodByName("String").Call(nil)[0].String()
	out["in a struct"] = fmt.Sprintf("%+v", struct{ Opts any }{o})
	out["in a slice"] = fmt.Sprintf("%v", []any{v, o})
	out["in a map"] = fmt.Sprintf("%#v", map[string]any{"opts": v})
	for name, h := range map[string]func(io.Writer) slog.Handler{
		"slog text": func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
		"slog JSON": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
	} {
		var buf bytes.Buffer
		l := slog.New(h(&buf))
		l.Info("setting up", "opts", v, "ptr", o)
		l.With("opts", o).Info("again")
		l.LogAttrs(context.Background(), slog.LevelInfo, "attr", slog.Any("opts", v))
		out[name] = buf.String()
	}
	return out
}

// TestEveryIntegrationRedactsItsSecrets fills every secret field of every
// integration's options and checks that no fmt verb and no slog handler
// shows one, while the JSON Set sends to GitLab still carries them all.
func TestEveryIntegrationRedactsItsSecrets(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	bodies := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		slug := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		mu.Lock()
		bodies[slug] = body
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":1,"slug":%q,"active":true,"properties":{}}`, slug)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(relToken, WithBaseURL(srv.URL), WithoutRetries())
	require.NoError(t, err)

	withSecrets := 0
	require.Len(t, generatedServices, len(Catalog()))
	for _, info := range Catalog() {
		sc := generatedServiceCase(t, info.Slug)
		o, secrets := secretOptions(t, sc, info)
		for form, text := range printedForms(o) {
			for name, secret := range secrets {
				require.NotContains(t, text, secret, "%s: %s shows %s", info.Slug, form, name)
			}
			if len(secrets) > 0 {
				require.Contains(t, text, redacted, "%s: %s does not say a secret was redacted", info.Slug, form)
			}
		}
		if len(secrets) == 0 {
			continue
		}
		withSecrets++

		_, err := sc.set(context.Background(), c, ProjectID(1), o)
		require.NoError(t, err, info.Slug)
		mu.Lock()
		body := bodies[info.Slug]
		mu.Unlock()
		var sent map[string]any
		require.NoError(t, json.Unmarshal(body, &sent), "%s: %s", info.Slug, body)
		for name, secret := range secrets {
			assert.Equal(t, secret, sent[name], "%s: the JSON sent to GitLab carries %s", info.Slug, name)
		}
	}
	t.Logf("%d integrations of %d have secret parameters", withSecrets, len(Catalog()))
	assert.Greater(t, withSecrets, 30, "most integrations have a secret")
}

func generatedServiceCase(t *testing.T, slug string) serviceCase {
	t.Helper()
	for _, sc := range generatedServices {
		if sc.slug == slug {
			return sc
		}
	}
	t.Fatalf("no generated service case for %q", slug)
	return serviceCase{}
}

// TestEmptySecretsAreShownEmpty: an unset secret is not a secret; printing
// shows it is missing rather than hiding that.
func TestEmptySecretsAreShownEmpty(t *testing.T) {
	t.Parallel()
	o := SlackOptions{Channel: Ptr("#x")}
	assert.Equal(t, `{Webhook: Channel:#x}`, fmt.Sprint(o))
	o.Webhook = "https://hooks.slack.com/services/T/B/secret"
	assert.Equal(t, `{Webhook:[redacted] Channel:#x}`, fmt.Sprint(o))
	assert.Equal(t, `integrations.SlackOptions{Webhook:"[redacted]", Channel:integrations.Ptr("#x")}`, fmt.Sprintf("%#v", o))
}

// TestClientNeverPrintsItsToken prints a Client every way a user might.
func TestClientNeverPrintsItsToken(t *testing.T) {
	t.Parallel()
	for _, typ := range []TokenType{PrivateToken, OAuthToken, JobToken} {
		c, err := NewClient(relToken, WithBaseURL("https://gitlab.example.com"), WithTokenType(typ),
			WithRateLimit(10, 1), WithAdaptiveRateLimit())
		require.NoError(t, err)
		type holder struct {
			Exported   Client
			unexported Client
			Ptr        *Client
		}
		h := holder{Exported: *c, unexported: *c, Ptr: c}
		var forms []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			forms = append(forms, fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
		}
		forms = append(forms, c.String(), c.GoString(), fmt.Sprint(c.core), fmt.Sprintf("%+v", c.core), fmt.Sprintf("%#v", c.core))
		for _, newHandler := range []func(io.Writer) slog.Handler{
			func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
			func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
		} {
			var buf bytes.Buffer
			slog.New(newHandler(&buf)).Info("client", "c", c, "value", *c, "holder", h)
			forms = append(forms, buf.String())
		}
		for i, s := range forms {
			requireNoToken(t, s, fmt.Sprintf("form %d (%q)", i, s))
		}
		assert.Contains(t, c.String(), redacted)
		assert.Contains(t, fmt.Sprintf("%+v", *c), "gitlab.example.com", "printing still says something useful")
	}
}

// TestTokenNeverLogged drives a client whose logger keeps every record at
// every level through successes, 4xx, 5xx with retries, 429 with
// Retry-After, network errors, redirects and cancellations, and checks that
// neither the log nor any error holds the token.
func TestTokenNeverLogged(t *testing.T) {
	t.Parallel()
	var log relLog
	ctx := context.Background()
	var errs []error
	collect := func(_ any, err error) { errs = append(errs, err) }

	srv := newRelServer(t,
		answer(200, relSlackAnswer),
		answer(404, `{"message":"404 Integration Not Found"}`),
		answer(401, `{"message":"401 Unauthorized"}`),
		answer(400, `{"message":{"webhook":["is blocked"]}}`),
		answer(503, `{"message":"maintenance"}`),
		relStep{status: 429, header: map[string]string{"Retry-After": "0"}, body: "Retry later"},
		relStep{reset: true},
		answer(200, relSlackAnswer),
		answer(502, `<html>bad gateway</html>`),
	)
	opts := []ClientOption{WithLogger(log.logger()), WithAdaptiveRateLimit(), WithRateLimit(1000, 100)}
	for _, typ := range []TokenType{PrivateToken, OAuthToken, JobToken} {
		c := srv.client(t, append(opts, WithTokenType(typ))...)
		collect(c.Slack.Get(ctx, Project("acme/web")))
		collect(c.Slack.Get(ctx, Project("acme/web")))
		collect(c.Slack.Get(ctx, Project("acme/web")))
		collect(c.Slack.Set(ctx, Project("acme/web"), &SlackOptions{Webhook: "https://hooks.slack.com/x"}, WithSudo("root")))
		collect(c.List(ctx, GroupID(3)))
		collect(nil, c.Slack.Delete(ctx, ProjectID(9)))

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		collect(c.Slack.Get(cancelled, ProjectID(1)))
		collect(c.Slack.Set(ctx, Project(""), &SlackOptions{}))
	}

	refused, err := NewClient(relToken, WithBaseURL("http://"+closedAddress(t)), WithLogger(log.logger()), WithRetries(2, 0, 0))
	require.NoError(t, err)
	collect(refused.Slack.Get(ctx, ProjectID(1)))

	other := newHeaderRecorder(t)
	moved := redirector(t, http.StatusFound, func() string { return otherHostURL(t, other.Server) })
	redirected, err := NewClient(relToken, WithBaseURL(moved.URL), WithLogger(log.logger()))
	require.NoError(t, err)
	collect(redirected.Slack.Get(ctx, ProjectID(1)))

	logged := log.String()
	require.Contains(t, logged, "gitlab request", "the logger got records")
	require.Contains(t, logged, "gitlab retry")
	requireNoToken(t, logged, "the log")
	failures := 0
	for _, err := range errs {
		if err != nil {
			failures++
			requireNoToken(t, err.Error(), "an error")
			requireNoToken(t, fmt.Sprintf("%+v", err), "an error printed with %+v")
			requireNoToken(t, fmt.Sprintf("%#v", err), "an error printed with %#v")
		}
	}
	assert.Greater(t, failures, 10, "the run went through failures")
}
