// Package safetext makes text from GitLab safe to print: a value a project
// maintainer typed into GitLab's web page (or a hostile server's answer)
// must not drive the reader's terminal (ESC sequences, OSC 52 writing the
// clipboard, BEL, CR overwriting a line) nor run as a spreadsheet formula.
// One function per kind of output, used by every command.
package safetext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Terminal returns s with every control character escaped as Go writes it
// in a string literal (\x1b, \r, \t, \n, \u0085), and so are the
// characters that reorder or hide text (U+202A–U+202E, U+2066–U+2069,
// U+200B–U+200F, U+2028, U+2029, U+FEFF) and invalid UTF-8 (\xff).
// Printable text, non-ASCII letters included, is unchanged.
func Terminal(s string) string {
	i := strings.IndexFunc(s, unsafe)
	if i < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unsafe(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unsafe reports whether r must not reach a terminal raw.
func unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f:
		return true
	case 0x200b <= r && r <= 0x200f, 0x2028 <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069, r == 0xfeff:
		return true
	}
	return false
}

// CSVCell returns a cell for a CSV file that a spreadsheet will open: the
// text made safe for a terminal (Terminal), and a cell that would start a
// formula (=, +, -, @, or a tab or CR, which some spreadsheets skip
// before one) prefixed with "'", which spreadsheets show as text.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	return Terminal(s)
}
