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
	// Aliases: shared, nested, merged, cyclic, repeated past the bound.
	f.Add([]byte("version: 1\nx-i: &i {nosuch: present, slack: absent}\ntargets:\n  - {project: a/b, integrations: *i}\n  - {project: a/c, integrations: *i}\n"))
	f.Add([]byte("version: 1\nx-a: &a [x, y]\nx-b: &b [*a, *a, *a]\nx-c: &c [*b, *b, *b]\ntargets: [{project: a/b, integrations: {slack: {webhook: x, channel: *c}}}]\n"))
	f.Add([]byte("version: 1\nx-m: &m {<<: *m}\ntargets: []\n"))
	f.Add([]byte("version: 1\nx: &x {a: &y [*y]}\ntargets: [*x]\n"))
	// Documents: a second one, an empty one, a broken one, a directive.
	f.Add([]byte("version: 1\ntargets: [{project: a/b, integrations: {slack: absent}}]\n---\nversion: 1\n"))
	f.Add([]byte("---\nversion: 1\ntargets: [{project: a/b, integrations: {slack: absent}}]\n...\n---\n"))
	f.Add([]byte("%YAML 1.2\n---\nversion: 1\ntargets: [{project: a/b, integrations: {slack: absent}}]\n---\n[\n"))
	// Scalars: numbers that are text, booleans, nulls, tags, bad bytes.
	f.Add([]byte("version: 1\ntargets: [{project: a/b, integrations: {slack: {webhook: x, channel: 0042, username: 0x1F, push_channel: 1_000, issue_channel: True, note_channel: 1.50, tag_push_channel: ~, notify_only_broken_pipelines: yes}}}]\n"))
	f.Add([]byte("version: 1\ntargets: [{project: a/b, integrations: {slack: {webhook: !!str 12, channel: !!int 0o17, username: !!binary aGk=}}}]\n"))
	f.Add([]byte("version: 1\ntargets: [{project: \"a\\u0000b\", integrations: {slack: absent}}]\n"))
	f.Add([]byte("version: 1\ntargets:\n  - project: a\xff\x00b\n"))
	f.Add([]byte("version: 1\ntargets: [{project: a/b, integrations: {slack: {webhook: x, channel: '$${env:X} ${env:Y}'}}}]\n"))
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
