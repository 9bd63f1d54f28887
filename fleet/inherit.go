package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// checkInherit refuses every planned inherit that no group above the
// project (or group) could serve: GitLab answers "Default integration not
// found" at apply when none of them has the integration set up with its
// own settings. A group counts as GitLab will find it after the apply: as
// the spec wants it when the spec manages the integration there, else as
// it is now. Each group above is read once (one List), and not at all when
// the plan read it already or the spec decides.
//
// A place named by numeric ID has no path to find its groups by; its
// inherit is left to GitLab, as the plan's note says.
func checkInherit(ctx context.Context, dir *directory, places []*place, results [][]Change, conc int) (problemList, error) {
	spec := map[string]map[string]State{} // lower-case group path → slug → wanted
	for _, pl := range places {
		if !pl.scope.IsGroup() {
			continue
		}
		_, path, _ := strings.Cut(pl.text, ":")
		m := map[string]State{}
		for _, e := range pl.wants {
			m[e.slug] = e.w.state
		}
		spec[strings.ToLower(path)] = m
	}
	type inherit struct {
		ch        *Change
		ancestors []string
	}
	var todo []inherit
	var read []string
	seen := map[string]bool{}
	for i := range results {
		for j := range results[i] {
			ch := &results[i][j]
			if ch.Action != InheritAction {
				continue
			}
			_, path, _ := strings.Cut(ch.scopeText(), ":")
			if isNumeric(path) {
				continue
			}
			var up []string
			for g := parentPath(path); g != ""; g = parentPath(g) {
				up = append(up, g)
				if _, decided := spec[strings.ToLower(g)][ch.Integration]; !decided && !seen[strings.ToLower(g)] {
					seen[strings.ToLower(g)] = true
					read = append(read, g)
				}
			}
			todo = append(todo, inherit{ch, up})
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	errs := make([]error, len(read))
	forEach(ctx, len(read), conc, func(i int) {
		_, errs[i] = dir.groupIntegrations(ctx, read[i])
	})
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("fleet: read the groups above the projects that inherit: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fleet: plan: %w", err)
	}
	var p problemList
	for _, in := range todo {
		found := false
		for _, g := range in.ancestors {
			if state, decided := spec[strings.ToLower(g)][in.ch.Integration]; decided {
				if state == Present {
					found = true
					break
				}
				continue
			}
			list, _ := dir.groupIntegrations(ctx, g)
			for _, it := range list {
				if it.Slug == in.ch.Integration && it.Active && !it.Inherited {
					found = true
				}
			}
			if found {
				break
			}
		}
		if found {
			continue
		}
		_, path, _ := strings.Cut(in.ch.scopeText(), ":")
		above := "there is no group above " + path
		if len(in.ancestors) > 0 {
			above = "no group above " + path + " (" + strings.Join(in.ancestors, ", ") + ") has it set up with its own settings"
		}
		p.addAt(in.ch.Where, "%s: inherit, but %s, so GitLab would answer \"Default integration not found\": set it up on a group: target, or give its settings here", in.ch.Integration, above)
	}
	return p, nil
}
