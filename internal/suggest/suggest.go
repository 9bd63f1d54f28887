// Package suggest finds the names closest to a misspelt one, for the
// "did you mean …?" of the SDK's, the fleet's and the CLI's errors, so that
// all three suggest alike.
package suggest

import (
	"sort"
	"strings"
)

// Closest returns up to n candidates nearest to word by edit distance,
// nearest first (ties in the candidates' order), leaving out those too far
// to be a misspelling: more edits than a third of the shorter name (two at
// least). A candidate that contains word, or that word contains, counts as
// near when word has three letters or more. Case, "_" and "-" do not count.
func Closest(word string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	w := fold(word)
	var near []scored
	for _, c := range candidates {
		fc := fold(c)
		d := Distance(w, fc)
		limit := max(2, min(len(w), len(fc))/3)
		if d >= max(len(w), 1) && !strings.Contains(fc, w) {
			continue // nothing in common: every letter replaced
		}
		if d > limit && !(len(w) >= 3 && (strings.Contains(fc, w) || strings.Contains(w, fc))) {
			continue
		}
		near = append(near, scored{c, d})
	}
	sort.SliceStable(near, func(i, j int) bool { return near[i].d < near[j].d })
	out := make([]string, 0, min(n, len(near)))
	for i := 0; i < len(near) && i < n; i++ {
		out = append(out, near[i].s)
	}
	return out
}

func fold(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
}

// Distance is the Levenshtein distance between a and b, by bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
