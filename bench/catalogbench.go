package bench

import (
	"testing"

	"github.com/gitlabkit/integrations"
)

// CatalogCase is one benchmark of the SDK's catalog: Catalog(), or Lookup
// of the first or the last slug in catalog order (a cost that grows with
// the number of integrations shows as a difference between the two).
type CatalogCase struct {
	Name string
	Run  func(b *testing.B)
}

// CatalogCases returns the catalog benchmarks.
func CatalogCases() []CatalogCase {
	all := integrations.Catalog()
	first, last := all[0].Slug, all[len(all)-1].Slug
	lookup := func(slug string) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if info, ok := integrations.Lookup(slug); !ok || info.Slug != slug {
					b.Fatal("Lookup", slug)
				}
			}
		}
	}
	return []CatalogCase{
		{"Catalog()", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(integrations.Catalog()) != len(all) {
					b.Fatal("Catalog changed")
				}
			}
		}},
		{"Lookup(" + first + ")", lookup(first)},
		{"Lookup(" + last + ")", lookup(last)},
	}
}
