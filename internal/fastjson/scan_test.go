package fastjson

import "testing"

// naiveStop is the byte-at-a-time definition stringStop and keyStop speed up.
func naiveStop(b []byte, i int, key bool) int {
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || key && c >= 0x80 {
			return i
		}
	}
	return len(b)
}

// TestScanStopsAgree puts every byte value at every place of a run long
// enough for two words and a tail, with every starting offset, and checks
// the word-at-a-time scans stop where the byte-at-a-time loop does.
func TestScanStopsAgree(t *testing.T) {
	for c := range 256 {
		for at := range 19 {
			b := []byte("abcdefghijklmnopqrs")
			b[at] = byte(c)
			// A byte just below a stop byte makes borrows that a wrong
			// mask would report as a stop.
			if at > 0 {
				b[at-1] = byte(c) - 1
			}
			for from := range len(b) + 1 {
				if got, want := stringStop(b, from), naiveStop(b, from, false); got != want {
					t.Fatalf("stringStop(%q, %d) = %d, want %d", b, from, got, want)
				}
				if got, want := keyStop(b, from), naiveStop(b, from, true); got != want {
					t.Fatalf("keyStop(%q, %d) = %d, want %d", b, from, got, want)
				}
			}
		}
	}
}
