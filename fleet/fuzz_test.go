package fleet

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gitlabkit/integrations"
)

// FuzzParseSpec feeds ParseSpec any bytes: it returns a spec or an error
// matching ErrValidation, never panics, and a spec it returns writes back
// as YAML that reads to a valid spec again.
func FuzzParseSpec(f *testing.F) {
	f.Add([]byte(goodSpec))
	f.Add([]byte("version: 1\ntargets:\n  - project: a/b\n    integrations: {slack: absent}\n"))
	f.Add([]byte("version: 1\ntargets: [{group: g, integrations: {jira: {url: x, password: '${env:P}'}}}]\n"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte("version: 1\nx-s: &s {webhook: '${env:W}'}\ntargets:\n  - project: a/b\n    integrations: {slack: {<<: *s, channel: '#c'}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSpec("f.yaml", data)
		if err != nil {
			if !errors.Is(err, integrations.ErrValidation) {
				t.Fatalf("error %v does not match ErrValidation", err)
			}
			return
		}
		var b bytes.Buffer
		if err := s.WriteYAML(&b); err != nil {
			t.Fatalf("WriteYAML: %v", err)
		}
		if _, err := ParseSpec("back.yaml", b.Bytes()); err != nil {
			t.Fatalf("the spec written back does not parse: %v\n%s", err, b.String())
		}
	})
}
