package fleet

import (
	"sync"

	"github.com/gitlabkit/integrations"
)

// infos caches the catalog entries fleet reads: integrations.Lookup and
// DynamicService.Info hand out a deep copy each call (so that a caller's
// edit cannot reach the catalog), which a plan or apply of 300,000 changes
// made a few times each, gigabytes in all. fleet never edits an entry, so
// one copy a slug serves every change.
var infos sync.Map // slug -> integrations.IntegrationInfo

// lookupInfo is integrations.Lookup, one copy a slug.
func lookupInfo(slug string) (integrations.IntegrationInfo, bool) {
	if v, ok := infos.Load(slug); ok {
		return v.(integrations.IntegrationInfo), true
	}
	info, ok := integrations.Lookup(slug)
	if ok {
		infos.Store(slug, info)
	}
	return info, ok
}
