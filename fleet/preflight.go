package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gitlabkit/integrations"
)

// preflight checks, before Apply sends anything that changes GitLab,
// what can be known beforehand, so that a plan that cannot be carried out
// whole is refused whole:
//
//   - every reference the changes will send resolves (the values are kept
//     by res for the sending, never shown), and every secret written as a
//     plain value is at hand: otherwise a *SpecError lists each with its
//     place in the spec and the changes that need it;
//   - the values the references resolve to pass the catalog's checks
//     (a webhook that is not a URL, a blank required value), as the Set
//     of each change would check them when its turn came, too late for
//     the changes already sent;
//   - for a saved plan, no integration moved since the plan was made: one
//     Get per change, conc at a time, then one error matching ErrStale that
//     counts the stale changes and names the first.
func preflight(ctx context.Context, c *integrations.Client, todo []*Change, saved bool, res *resolver, conc int) error {
	if err := checkReferences(todo, res); err != nil {
		return err
	}
	if err := checkResolvedValues(c, todo, res); err != nil {
		return err
	}
	if !saved {
		return nil
	}
	return checkFreshness(ctx, c, todo, conc)
}

// checkReferences resolves what every change will send.
func checkReferences(todo []*Change, res *resolver) error {
	var p problemList
	// The changes themselves, not a copy: a fleet's are most of what
	// Apply holds.
	for _, u := range unresolved(slices.Values(todo), res) {
		p.addAt(orSpec(u.Where), "%s; needed by %s", u.reason, strings.Join(u.NeededBy, ", "))
	}
	for _, ch := range todo {
		if ch.Action == Disable || ch.Action == NoOp {
			continue
		}
		for _, name := range ch.Withheld {
			if ch.literals != nil {
				if _, ok := ch.literals.values[name]; ok {
					continue
				}
			}
			p.addAt(orSpec(ch.Where), "%s.%s: a secret written as a plain value is not kept in a saved plan: write it as ${env:NAME} or ${file:PATH}; needed by %s %s",
				ch.Integration, name, ch.scopeText(), ch.Integration)
		}
	}
	return p.err()
}

// checkResolvedValues checks every change's values, references resolved,
// as its Set will: one *SpecError lists each problem at the change's place
// in the spec. The values are never shown: the catalog's messages name the
// parameter and the rule, not the value of a secret.
func checkResolvedValues(c *integrations.Client, todo []*Change, res *resolver) error {
	var p problemList
	for _, ch := range todo {
		if ch.Action == Disable || ch.Action == NoOp {
			continue
		}
		d, err := c.Integration(ch.Integration)
		if err != nil {
			p.addAt(orSpec(ch.Where), "%s %s: %v", ch.scopeText(), ch.Integration, err)
			continue
		}
		values := integrations.Values{}
		for name, v := range ch.Send {
			rv, err := res.value(v)
			if err != nil {
				continue // reported by checkReferences
			}
			values[name] = rv
		}
		if ch.literals != nil {
			for name, v := range ch.literals.values {
				values[name] = v
			}
		}
		var ve *integrations.ValidationError
		if err := d.Check(ch.Scope, values); errors.As(err, &ve) {
			for _, problem := range ve.Problems {
				p.addAt(orSpec(ch.Where), "%s %s: %s", ch.scopeText(), ch.Integration, problem)
			}
		} else if err != nil {
			p.addAt(orSpec(ch.Where), "%s %s: %v", ch.scopeText(), ch.Integration, err)
		}
	}
	return p.err()
}

// staleError is Apply's refusal of a saved plan some of whose changes
// moved on GitLab since it was made. It matches ErrStale.
type staleError struct {
	stale, total int
	first        string // "project:acme/web slack: updated_at was …, is …"
}

func (e *staleError) Error() string {
	return fmt.Sprintf("the plan is stale: %d of %d %s changed on GitLab since it was made; first: %s; run plan again",
		e.stale, e.total, plural(e.total, "change", "changes"), e.first)
}

func (e *staleError) Is(target error) bool { return target == ErrStale }

// checkFreshness reads every change's integration and refuses the plan
// when any moved since the plan: its updated_at differs, it is gone, or
// it became active while the plan saw it inactive. A change that cannot
// be checked refuses the plan too, since nothing can be promised of it.
func checkFreshness(ctx context.Context, c *integrations.Client, todo []*Change, conc int) error {
	stale := make([]string, len(todo))
	errs := make([]error, len(todo))
	forEach(ctx, len(todo), conc, func(i int) {
		stale[i], errs[i] = staleness(ctx, c, todo[i])
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fleet: apply: cannot check that the saved plan is current; nothing was sent: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fleet: apply: %w", err)
	}
	e := &staleError{total: len(todo)}
	for i, s := range stale {
		if s == "" {
			continue
		}
		if e.stale == 0 {
			e.first = todo[i].scopeText() + " " + todo[i].Integration + ": " + s
		}
		e.stale++
	}
	if e.stale > 0 {
		return e
	}
	return nil
}

// staleness says how a change's integration moved since the plan, "" when
// it did not.
func staleness(ctx context.Context, c *integrations.Client, ch *Change) (string, error) {
	where := ch.scopeText() + " " + ch.Integration
	d, err := c.Integration(ch.Integration)
	if err != nil {
		return "", fmt.Errorf("%s: %w", where, err)
	}
	st, err := d.Get(ctx, ch.Scope)
	switch {
	case errors.Is(err, integrations.ErrIntegrationNotFound):
		if ch.UpdatedAt.IsZero() {
			return "", nil
		}
		return "it is gone (updated_at was " + plannedStamp(ch) + ")", nil
	case err != nil:
		return "", fmt.Errorf("%s: check updated_at: %w", where, err)
	}
	if ch.UpdatedAt.IsZero() {
		if st.Active {
			return "it was set up since (updated_at " + st.UpdatedAt.UTC().Format(stampLayout) + ")", nil
		}
		return "", nil
	}
	if !st.UpdatedAt.Equal(ch.UpdatedAt) {
		return "updated_at was " + plannedStamp(ch) + ", is " + st.UpdatedAt.UTC().Format(stampLayout), nil
	}
	return "", nil
}

// stampLayout writes updated_at as GitLab does.
const stampLayout = "2006-01-02T15:04:05.000Z"

func plannedStamp(ch *Change) string { return ch.UpdatedAt.UTC().Format(stampLayout) }
