package fleet

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gitlabkit/integrations"
)

// TestEventFlagsAreEveryFlagOfAnAnswer: eventFlags, which audit, overrides
// and policy checks read, names every event flag integrations.Integration
// decodes, so that a flag added to the SDK is not silently left out.
func TestEventFlagsAreEveryFlagOfAnAnswer(t *testing.T) {
	known := eventFlags(&integrations.Integration{})
	rt := reflect.TypeFor[integrations.Integration]()
	n := 0
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type.Kind() != reflect.Bool || name == "active" || name == "inherited" {
			continue
		}
		n++
		if _, ok := known[name]; !ok {
			t.Errorf("eventFlags leaves out %s", name)
		}
	}
	if n != len(known) {
		t.Errorf("eventFlags names %d flags, integrations.Integration has %d", len(known), n)
	}
}
