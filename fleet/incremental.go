package fleet

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gitlabkit/integrations"
)

// A plan with a state file reads only what changed: the List of each
// scope, as always, and the Get of an integration only when the state
// file has no settled record of it (see observation) that the List entry
// matches: the same GitLab (its API root), updated_at and flags, and every
// non-secret parameter the spec manages now compared then. Whatever it
// reads, it records, so that the next plan skips it; PlanOptions.Refresh
// reads every integration as a plan without a state file does, and
// records them all again.

// listOptions asks for the List's answer when there is a state file: its
// Date settles the records of the Gets that follow.
func listOptions(state *stateFile, resp **http.Response) []integrations.RequestOption {
	if state == nil {
		return nil
	}
	return []integrations.RequestOption{integrations.WithResponseInto(resp)}
}

// readSettings returns the settings of an active integration with its own
// settings: from the state file's record when the List entry shows it
// unchanged, else read with a Get (and recorded when settled).
func readSettings(ctx context.Context, c *integrations.Client, state *stateFile, pl *place, slug string, w *wantedIntegration, listed *integrations.Integration, list *http.Response) (*integrations.Settings[integrations.Values], error) {
	d, err := c.Integration(slug)
	if err != nil {
		return nil, fmt.Errorf("fleet: %s: %s: %s: %w", pl.setAt(slug, ""), pl.text, slug, err)
	}
	info, ok := lookupInfo(slug)
	if !ok {
		info = d.Info()
	}
	var names []string
	gitlab := ""
	if state != nil {
		names = sortedKeys(w.params)
		gitlab = c.BaseURL()
		if !state.refresh {
			if st, ok := state.observed(gitlab, pl.text, slug).settings(info, listed, names); ok {
				return st, nil
			}
		}
	}
	st, err := d.Get(ctx, pl.scope)
	if err != nil {
		return nil, fmt.Errorf("fleet: %s: %s: get %s: %w", pl.setAt(slug, ""), pl.text, slug, err)
	}
	if state != nil {
		var o *observation
		if !st.Inherited && settled(st.UpdatedAt, answerDate(list)) {
			o = observe(info, st, names)
		}
		if o != nil || state.observed(gitlab, pl.text, slug) != nil {
			state.observe(gitlab, pl.text, slug, o)
		}
	}
	return st, nil
}
