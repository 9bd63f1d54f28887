package bench

import (
	"testing"
)

// BenchmarkPerCall measures one call of each contender, in memory and over
// loopback: go test -run '^$' -bench PerCall -benchmem.
func BenchmarkPerCall(b *testing.B) {
	cases, stop, err := PerCallCases()
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	for _, c := range cases {
		b.Run(c.Name(), c.Run)
	}
}

// BenchmarkCatalog measures Catalog() and Lookup.
func BenchmarkCatalog(b *testing.B) {
	for _, c := range CatalogCases() {
		b.Run(c.Name, c.Run)
	}
}

// BenchmarkBound measures what the SDK's default request bound costs.
func BenchmarkBound(b *testing.B) {
	cases, stop, err := BoundCases()
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	for _, c := range cases {
		b.Run(c.Name, c.Run)
	}
}
