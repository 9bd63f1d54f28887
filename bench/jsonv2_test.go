package bench

// The JSON v2 evaluation of issue 12: the SDK's decoding against
// github.com/go-json-experiment/json (encoding/json/v2 from Go 1.27) with
// the SDK's lenient rules as unmarshalers, on every integration's fixture
// and on the hostile answers of the SDK's badanswer_test.go.
//
//	go test -run TestJSONv2 -v .                       # strictness
//	go test -run '^$' -bench JSONv2 -benchmem -count 5 # speed

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitlabkit/integrations"
	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// v2Integration has the fields of integrations.Integration and none of its
// methods (its UnmarshalJSON is the SDK's own lenient decoder, which v2
// would call).
type v2Integration struct {
	ID                       int64     `json:"id"`
	Title                    string    `json:"title"`
	Slug                     string    `json:"slug"`
	CreatedAt                time.Time `json:"created_at"`
	UpdatedAt                time.Time `json:"updated_at"`
	Active                   bool      `json:"active"`
	Inherited                bool      `json:"inherited"`
	CommitEvents             bool      `json:"commit_events"`
	PushEvents               bool      `json:"push_events"`
	IssuesEvents             bool      `json:"issues_events"`
	IncidentEvents           bool      `json:"incident_events"`
	AlertEvents              bool      `json:"alert_events"`
	ConfidentialIssuesEvents bool      `json:"confidential_issues_events"`
	MergeRequestsEvents      bool      `json:"merge_requests_events"`
	TagPushEvents            bool      `json:"tag_push_events"`
	DeploymentEvents         bool      `json:"deployment_events"`
	NoteEvents               bool      `json:"note_events"`
	ConfidentialNoteEvents   bool      `json:"confidential_note_events"`
	PipelineEvents           bool      `json:"pipeline_events"`
	WikiPageEvents           bool      `json:"wiki_page_events"`
	JobEvents                bool      `json:"job_events"`
	VulnerabilityEvents      bool      `json:"vulnerability_events"`
	CommentOnEventEnabled    bool      `json:"comment_on_event_enabled"`
}

// lenient is the SDK's lenient rules as v2 unmarshalers: a bool from
// "true", "1", 1 (and the other spellings the SDK reads), a string from a
// number or a bool, an integer from a string or a whole float, an empty
// date as none, null as the zero value. The options after it are the v1
// behaviours the SDK keeps: keys in any case, the last of duplicate keys,
// invalid UTF-8 replaced.
var lenient = json.JoinOptions(
	json.WithUnmarshalers(json.JoinUnmarshalers(
		json.UnmarshalFromFunc(func(dec *jsontext.Decoder, b *bool) error {
			tok, err := dec.ReadToken()
			if err != nil {
				return err
			}
			switch tok.Kind() {
			case 't', 'f':
				*b = tok.Bool()
				return nil
			case 'n':
				*b = false
				return nil
			}
			switch s := strings.ToLower(strings.TrimSpace(tok.String())); s {
			case "true", "1", "t", "yes", "on":
				*b = true
			case "false", "0", "f", "no", "off", "":
				*b = false
			default:
				return fmt.Errorf("want a boolean, got %s", tok)
			}
			return nil
		}),
		json.UnmarshalFromFunc(func(dec *jsontext.Decoder, s *string) error {
			tok, err := dec.ReadToken()
			if err != nil {
				return err
			}
			switch tok.Kind() {
			case '"', '0':
				*s = tok.String()
			case 't', 'f':
				*s = strconv.FormatBool(tok.Bool())
			case 'n':
				*s = ""
			default:
				return fmt.Errorf("want a string, got %s", tok.Kind())
			}
			return nil
		}),
		json.UnmarshalFromFunc(func(dec *jsontext.Decoder, n *int64) error {
			tok, err := dec.ReadToken()
			if err != nil {
				return err
			}
			switch tok.Kind() {
			case 'n':
				*n = 0
				return nil
			case '"', '0':
				s := strings.TrimSpace(tok.String())
				if s == "" {
					*n = 0
					return nil
				}
				if v, err := strconv.ParseInt(s, 10, 64); err == nil {
					*n = v
					return nil
				}
				if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
					*n = int64(f)
					return nil
				}
			}
			return fmt.Errorf("want an integer, got %s", tok)
		}),
		json.UnmarshalFromFunc(func(dec *jsontext.Decoder, t *time.Time) error {
			if dec.PeekKind() == '"' {
				raw, err := dec.ReadValue()
				if err != nil {
					return err
				}
				if string(raw) == `""` {
					*t = time.Time{}
					return nil
				}
				return t.UnmarshalJSON(raw)
			}
			return errors.ErrUnsupported // not a string: the default decoding says what is wrong
		}),
	)),
	json.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// v2Case is one integration: its fixture and the Go type v2 decodes it
// into, a struct of v2Integration's fields and the SDK's Properties type.
type v2Case struct {
	slug    string
	fixture []byte
	v2Type  reflect.Type // struct{ v2Integration `json:",inline"`; Properties P }
	sdkType reflect.Type // integrations.Settings[P]
}

func v2Cases(tb testing.TB) []v2Case {
	tb.Helper()
	client, err := integrations.NewClient(Token, integrations.WithBaseURL("https://gitlab.example.com"))
	if err != nil {
		tb.Fatal(err)
	}
	services := reflect.ValueOf(client).Elem()
	var out []v2Case
	for _, info := range integrations.Catalog() {
		fixture, err := os.ReadFile(filepath.Join("..", "testdata", "responses", info.Slug+".json"))
		if err != nil {
			tb.Fatal(err)
		}
		svc := services.FieldByName(info.GoName)
		get, ok := svc.Type().MethodByName("Get")
		if !ok {
			tb.Fatalf("%s has no Get", info.GoName)
		}
		sdkType := get.Type.Out(0).Elem() // *Settings[P] → Settings[P]
		props, _ := sdkType.FieldByName("Properties")
		v2Type := reflect.StructOf([]reflect.StructField{
			{Name: "V2Integration", Type: reflect.TypeFor[v2Integration](), Anonymous: true},
			{Name: "Properties", Type: props.Type, Tag: `json:"properties"`},
		})
		out = append(out, v2Case{info.Slug, fixture, v2Type, sdkType})
	}
	return out
}

// sdkDecode is the SDK's general decoding of a Settings (what
// json.Unmarshal into a Settings gives; decodefast_test.go in the SDK
// checks its one-pass decoder gives exactly that).
func sdkDecode(c v2Case, data []byte) (reflect.Value, error) {
	v := reflect.New(c.sdkType)
	return v.Elem(), stdjson.Unmarshal(data, v.Interface())
}

func v2Decode(c v2Case, data []byte) (reflect.Value, error) {
	v := reflect.New(c.v2Type)
	return v.Elem(), json.Unmarshal(data, v.Interface(), lenient)
}

// sameValues compares what both decoded: the common fields and the
// properties.
func sameValues(sdk, v2 reflect.Value) bool {
	common := sdk.FieldByName("Integration").Interface().(integrations.Integration)
	return integrations.Integration(v2.Field(0).Interface().(v2Integration)) == common &&
		reflect.DeepEqual(sdk.FieldByName("Properties").Interface(), v2.Field(1).Interface())
}

// TestJSONv2 decodes every fixture, variants of it, and the SDK's hostile
// answers both ways, and reports where v2 with the lenient unmarshalers
// differs from the SDK: a value decoded differently, an answer one accepts
// and the other refuses.
func TestJSONv2(t *testing.T) {
	variants := map[string]func([]byte) []byte{
		"as generated":     func(b []byte) []byte { return b },
		"bools as strings": func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(`:true`), []byte(`:"true"`)) },
		"bools as numbers": func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(`:false`), []byte(`:0`)) },
		"id as a string":   func(b []byte) []byte { return bytes.Replace(b, []byte(`"id":`), []byte(`"id":"1",   "x":`), 1) },
		"keys in capitals": func(b []byte) []byte { return bytes.Replace(b, []byte(`"slug"`), []byte(`"SLUG"`), 1) },
		"a duplicate key":  func(b []byte) []byte { return bytes.Replace(b, []byte(`{`), []byte(`{"active":false,`), 1) },
		"an empty date":    func(b []byte) []byte { return replaceValue(b, "created_at", `""`) },
		"a float id":       func(b []byte) []byte { return replaceValue(b, "id", `7.0`) },
		"null properties":  func(b []byte) []byte { return replaceValue(b, "title", `null`) },
	}
	hostile := map[string]string{
		"truncated JSON":           `{"id":1,"title":"Slack","slug":"sla`,
		"truncated properties":     `{"id":1,"slug":"x","properties":{"channel":"#a"`,
		"id of the wrong type":     `{"id":"seven","slug":"x"}`,
		"active of the wrong type": `{"id":1,"slug":"x","active":"maybe"}`,
		"slug of the wrong type":   `{"id":1,"slug":{"name":"x"}}`,
		"created_at not a time":    `{"id":1,"slug":"x","created_at":"yesterday"}`,
		"properties an array":      `{"id":1,"slug":"x","properties":["a"]}`,
		"properties a string":      `{"id":1,"slug":"x","properties":"none"}`,
		"two objects":              `{"id":1,"slug":"x"}{"id":2}`,
		"trailing garbage":         `{"id":1,"slug":"x"} <html>`,
		"an HTML page":             `<html><body>Sign in</body></html>`,
		"a bool out of range":      `{"id":1,"slug":"x","active":2}`,
		"an id beyond int64":       `{"id":92233720368547758070,"slug":"x"}`,
		"a fractional id":          `{"id":1.5,"slug":"x"}`,
	}
	cases := v2Cases(t)
	var differ []string
	for _, c := range cases {
		for name, edit := range variants {
			data := edit(bytes.Clone(c.fixture))
			sdk, sdkErr := sdkDecode(c, data)
			v2, v2Err := v2Decode(c, data)
			switch {
			case (sdkErr == nil) != (v2Err == nil):
				differ = append(differ, fmt.Sprintf("%s, %s: SDK error %v, v2 error %v", c.slug, name, sdkErr, v2Err))
			case sdkErr == nil && !sameValues(sdk, v2):
				differ = append(differ, fmt.Sprintf("%s, %s: different values", c.slug, name))
			}
		}
	}
	c := cases[0]
	for name, body := range hostile {
		_, sdkErr := sdkDecode(c, []byte(body))
		_, v2Err := v2Decode(c, []byte(body))
		if (sdkErr == nil) != (v2Err == nil) {
			differ = append(differ, fmt.Sprintf("hostile %q: SDK error %v, v2 error %v", name, sdkErr, v2Err))
		}
	}
	t.Logf("%d fixtures × %d variants and %d hostile answers; %d differences", len(cases), len(variants), len(hostile), len(differ))
	for _, d := range differ {
		t.Log(d)
	}
}

// replaceValue replaces the first value of key (a string, number, bool or
// null) with v.
func replaceValue(b []byte, key, v string) []byte {
	k := []byte(`"` + key + `":`)
	i := bytes.Index(b, k)
	if i < 0 {
		return b
	}
	j := i + len(k)
	end := j
	if b[end] == '"' {
		end = j + 1 + bytes.IndexByte(b[j+1:], '"') + 1
	} else {
		for end < len(b) && b[end] != ',' && b[end] != '}' {
			end++
		}
	}
	return append(append(append([]byte(nil), b[:j]...), v...), b[end:]...)
}

// BenchmarkJSONv2 decodes every fixture with the SDK's general path
// (json.Unmarshal into a Settings: the SDK's UnmarshalJSON), with
// encoding/json v1 into the plain v2 struct (no lenient rules), and with v2
// and the lenient unmarshalers; then a whole Slack and Jira Get in memory,
// with the SDK (its one-pass decoder) and with the limit's round trip and
// v2's decoding.
func BenchmarkJSONv2(b *testing.B) {
	cases := v2Cases(b)
	decoders := []struct {
		name   string
		decode func(c v2Case, data []byte) error
	}{
		{"SDK UnmarshalJSON", func(c v2Case, data []byte) error { _, err := sdkDecode(c, data); return err }},
		{"v1 plain", func(c v2Case, data []byte) error {
			return stdjson.Unmarshal(data, reflect.New(c.v2Type).Interface())
		}},
		{"v2 lenient", func(c v2Case, data []byte) error { _, err := v2Decode(c, data); return err }},
	}
	for _, d := range decoders {
		b.Run("decode every fixture/"+d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range cases {
					if err := d.decode(c, c.fixture); err != nil {
						b.Fatal(c.slug, err)
					}
				}
			}
		})
	}

	mem := newMemoryClient(LengthUnknown)
	sdk, err := NewSDK("https://gitlab.example.com", mem)
	if err != nil {
		b.Fatal(err)
	}
	v2Get := func(ctx context.Context, slug string, out any) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://gitlab.example.com/api/v4/projects/acme%2Fweb/integrations/"+slug, nil)
		if err != nil {
			return err
		}
		req.Header = http.Header{"Accept": {"application/json"}, "Private-Token": {Token}}
		resp, err := mem.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		return json.Unmarshal(data, out, lenient)
	}
	var slackType, jiraType reflect.Type
	for _, c := range cases {
		switch c.slug {
		case "slack":
			slackType = c.v2Type
		case "jira":
			jiraType = c.v2Type
		}
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Get Slack/SDK", func() error { return sdk.SlackGet(ctx, benchProject) }},
		{"Get Slack/limit+v2", func() error { return v2Get(ctx, "slack", reflect.New(slackType).Interface()) }},
		{"Get Jira/SDK", nil},
		{"Get Jira/limit+v2", func() error { return v2Get(ctx, "jira", reflect.New(jiraType).Interface()) }},
	} {
		if tc.name == "Get Jira/SDK" {
			c, err := integrations.NewClient(Token, integrations.WithBaseURL("https://gitlab.example.com"), integrations.WithHTTPClient(mem))
			if err != nil {
				b.Fatal(err)
			}
			tc.call = func() error {
				s, err := c.Jira.Get(ctx, integrations.Project(benchProject))
				if err == nil && s.Slug != "jira" {
					err = errors.New("not jira")
				}
				return err
			}
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := tc.call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
