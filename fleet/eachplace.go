package fleet

import (
	"context"
	"errors"
	"sync"
)

// forEachPlace calls read for every place, conc at a time, reports each
// finished place to progress (one call at a time) under phase, and returns
// every read's error joined. Plan, export and migrate read their places so.
func forEachPlace(ctx context.Context, places []*place, conc int, phase string, progress func(Event), read func(i int) error) error {
	errs := make([]error, len(places))
	var mu sync.Mutex
	done := 0
	forEach(ctx, len(places), conc, func(i int) {
		errs[i] = read(i)
		if progress != nil {
			mu.Lock()
			done++
			progress(Event{Phase: phase, Done: done, Total: len(places), Scope: places[i].scope, Err: errs[i]})
			mu.Unlock()
		}
	})
	return errors.Join(errs...)
}
