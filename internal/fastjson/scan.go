package fastjson

import (
	"encoding/binary"
	"math/bits"
)

// Word-at-a-time scanning for the fast decoder: most of an answer is the
// text of strings and keys, and looking at eight bytes a step instead of one
// is what keeps decoding well ahead of reading.

const (
	scanOnes  = 0x0101010101010101
	scanHighs = 0x8080808080808080
)

// zeroBytes has the high bit set in the lowest byte of x that is zero (and
// maybe in higher ones; only the lowest is exact, which is all the scans
// use).
func zeroBytes(x uint64) uint64 { return (x - scanOnes) & ^x & scanHighs }

// lessBytes has the high bit set in the lowest byte of x that is below n
// (n at most 0x80), with the same caveat as zeroBytes.
func lessBytes(x uint64, n byte) uint64 { return (x - scanOnes*uint64(n)) & ^x & scanHighs }

// stringStop returns the index, from i, of the first byte of b that ends or
// interrupts the plain run of a JSON string: a quote, a backslash or a
// control character. It returns len(b) when there is none.
func stringStop(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if m := lessBytes(x, 0x20) | zeroBytes(x^(scanOnes*'"')) | zeroBytes(x^(scanOnes*'\\')); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return len(b)
}

// keyStop is stringStop for a key, which the fast path takes only as
// printable ASCII: a byte of 0x80 or above stops it too.
func keyStop(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if m := x&scanHighs | lessBytes(x, 0x20) | zeroBytes(x^(scanOnes*'"')) | zeroBytes(x^(scanOnes*'\\')); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			return i
		}
	}
	return len(b)
}
