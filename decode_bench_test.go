package integrations

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// BenchmarkDecodeAnswer measures the one-pass decoder on Slack's and Jira's
// fixtures (Jira's issues_enabled takes the lenient rule), as printed and
// compact as GitLab sends them: the work a call does once its answer's
// bytes are read. Compare runs with benchstat; the agreement tests keep the
// results right.
func BenchmarkDecodeAnswer(b *testing.B) {
	for _, tc := range []struct {
		name string
		file string
		out  func() any
	}{
		{"Slack", "testdata/responses/slack.json", func() any { return new(Settings[SlackProperties]) }},
		{"Jira", "testdata/responses/jira.json", func() any { return new(Settings[JiraProperties]) }},
	} {
		data, err := os.ReadFile(tc.file)
		if err != nil {
			b.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			b.Fatal(err)
		}
		for _, form := range []struct {
			name string
			data []byte
		}{{"printed", data}, {"compact", compact.Bytes()}} {
			benchDecode(b, tc.name+"/"+form.name, form.data, tc.out)
		}
	}
}

func benchDecode(b *testing.B, name string, data []byte, newOut func() any) {
	b.Run(name, func(b *testing.B) {
		out := newOut()
		if fd, ok := out.(answerDecoder); !ok || !fd.decodeFast(data) {
			b.Fatal("the fixture does not take the fast path")
		}
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if err := decodeAnswer(data, "application/json", newOut()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
