package fleet

import "sync"

// slugSuggestions remembers the "did you mean" of unknown slugs: a slug
// an anchor shares with a thousand targets is looked up once, not a
// thousand times (each lookup measures the distance to every slug of the
// catalog). It is bounded, and emptied when full.
var slugSuggestions = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

const maxSlugSuggestions = 4096

// slugSuggestion is didYouMean(slug, catalogSlugs()), remembered.
func slugSuggestion(slug string) string {
	slugSuggestions.Lock()
	s, ok := slugSuggestions.m[slug]
	slugSuggestions.Unlock()
	if ok {
		return s
	}
	s = didYouMean(slug, catalogSlugs())
	slugSuggestions.Lock()
	if len(slugSuggestions.m) >= maxSlugSuggestions {
		clear(slugSuggestions.m)
	}
	slugSuggestions.m[slug] = s
	slugSuggestions.Unlock()
	return s
}
