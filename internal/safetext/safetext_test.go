package safetext

import "testing"

func TestTerminal(t *testing.T) {
	for in, want := range map[string]string{
		"plain #deploys":              "plain #deploys",
		"café ünïcode 日本":             "café ünïcode 日本",
		"\x1b[2J\x1b]52;c;ZXZpbA==\a": `\x1b[2J\x1b]52;c;ZXZpbA==\a`,
		"ok\rFAKE":                    `ok\rFAKE`,
		"a\tb\nc":                     `a\tb\nc`,
		"\u009b31m":                   `\u009b31m`,
		"abc\u202edcb":                `abc\u202edcb`,
		"bad\xffbyte":                 `bad\xffbyte`,
		"\x00\x7f":                    `\x00\x7f`,
	} {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+1":                       "'+1",
		"-2+3":                     "'-2+3",
		"@SUM(A1)":                 "'@SUM(A1)",
		"\t=1":                     `'\t=1`,
		"\r=1":                     `'\r=1`,
		"a=1":                      "a=1",
		"":                         "",
		"x\x1b[31m":                `x\x1b[31m`,
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}
