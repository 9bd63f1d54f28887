package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
)

// ExportOptions changes what Export reads.
type ExportOptions struct {
	// Concurrency is how many scopes are read at once (default 8).
	Concurrency int
	// Progress, when set, is called after each scope is read.
	Progress func(Event)
	// Only limits the export to these slugs; empty: every active
	// integration.
	Only []string
}

// Export returns the spec that reproduces what is there now for the given
// targets (each Target with ProjectsIn, Project or Group set, and
// Integrations empty): one target per project or group that has an active
// integration, each integration with every parameter GitLab reports, or
// "inherit" when it uses the group's settings.
//
// GitLab never reports secrets, so each secret the integration requires
// (or that GitLab reported) is written as an ${env:NAME} reference to fill
// before applying: NAME is SLUG_PARAM ("SLACK_WEBHOOK") when one scope of
// the export has that secret, and PATH_SLUG_PARAM ("ACME_WEB_SLACK_WEBHOOK",
// "GROUP_ACME_SLACK_WEBHOOK" for a group) when several do, upper case,
// every other character than letters and digits an "_". Secrets that are
// optional and not reported are left out, as are flags GitLab never
// reports: the export does not manage what it cannot see. Planning the
// export against the same GitLab shows no changes.
func Export(ctx context.Context, c *integrations.Client, targets []Target, opts ExportOptions) (*Spec, error) {
	if c == nil {
		return nil, fmt.Errorf("fleet: Export: %w: nil client", integrations.ErrValidation)
	}
	for _, slug := range opts.Only {
		if _, ok := integrations.Lookup(slug); !ok {
			return nil, fmt.Errorf("fleet: Export: %w: unknown integration %q%s", integrations.ErrValidation, slug, didYouMean(slug, catalogSlugs()))
		}
	}
	s, err := placesOnly(targets)
	if err != nil {
		return nil, err
	}
	places, err := expand(ctx, s, clientLister(c))
	if err != nil {
		return nil, err
	}
	exported := make([]map[string]Desired, len(places))
	err = forEachPlace(ctx, places, opts.Concurrency, "export", opts.Progress, func(i int) (err error) {
		exported[i], err = exportPlace(ctx, c, places[i], opts.Only)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fleet: export: %w", err)
	}
	out := &Spec{Version: 1}
	for i, pl := range places {
		if len(exported[i]) == 0 {
			continue
		}
		kind, ref, _ := strings.Cut(pl.text, ":")
		t := Target{Integrations: exported[i]}
		if kind == "group" {
			t.Group = ref
		} else {
			t.Project = ref
		}
		out.Targets = append(out.Targets, t)
	}
	nameSecrets(out)
	return out, nil
}

// secretMark stands for a secret in an exported Desired until nameSecrets
// gives it its reference.
type secretMark struct{}

// exportPlace reads one scope: its List, and a Get per active integration
// with its own settings.
func exportPlace(ctx context.Context, c *integrations.Client, pl *place, only []string) (map[string]Desired, error) {
	list, err := c.List(ctx, pl.scope)
	if err != nil {
		return nil, fmt.Errorf("fleet: %s: list integrations: %w", pl.text, err)
	}
	out := map[string]Desired{}
	for _, it := range list {
		info, known := integrations.Lookup(it.Slug)
		if !known || !it.Active || (len(only) > 0 && !slices.Contains(only, it.Slug)) {
			continue
		}
		if it.Inherited {
			out[it.Slug] = Desired{State: Inherit}
			continue
		}
		d, err := c.Integration(it.Slug)
		if err != nil {
			return nil, fmt.Errorf("fleet: %s: %s: %w", pl.text, it.Slug, err)
		}
		st, err := d.Get(ctx, pl.scope)
		if err != nil {
			return nil, fmt.Errorf("fleet: %s: get %s: %w", pl.text, it.Slug, err)
		}
		out[it.Slug] = Desired{State: Present, Params: exportParams(info, st)}
	}
	return out, nil
}

// exportParams returns the parameters reproducing st: every value GitLab
// reports, and a mark for each secret to reference.
func exportParams(info integrations.IntegrationInfo, st *integrations.Settings[integrations.Values]) map[string]any {
	params := map[string]any{}
	// A property GitLab reports as null was never set: leave it out.
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(st.RawProperties, &raw)
	for _, p := range info.Parameters {
		if p.Ignored || p.Name == "use_inherited_settings" {
			continue
		}
		if p.Secret {
			v, ok := st.Properties[p.Name]
			if p.Required || (ok && p.Returned && asString(v) != "") {
				params[p.Name] = secretMark{}
			}
			continue
		}
		v, ok := reported(p, st)
		if r, isProp := raw[p.Name]; !ok || v == nil || (isProp && string(r) == "null") {
			continue
		}
		nv, msg := normalise(p, literal(v))
		if msg != "" {
			continue
		}
		params[p.Name] = nv
	}
	return params
}

// nameSecrets replaces every secret mark with its ${env:…} reference.
func nameSecrets(s *Spec) {
	scopes := map[string]int{} // slug\x00param -> how many targets have it
	for _, t := range s.Targets {
		for slug, d := range t.Integrations {
			for name, v := range d.Params {
				if _, ok := v.(secretMark); ok {
					scopes[slug+"\x00"+name]++
				}
			}
		}
	}
	used := map[string]bool{}
	for _, t := range s.Targets {
		for _, slug := range sortedKeys(t.Integrations) {
			d := t.Integrations[slug]
			for _, name := range sortedKeys(d.Params) {
				if _, ok := d.Params[name].(secretMark); !ok {
					continue
				}
				var env string
				switch {
				case scopes[slug+"\x00"+name] == 1:
					env = envName(slug, name)
				case t.Group != "":
					env = envName("group", t.Group, slug, name)
				default:
					env = envName(t.Project, slug, name)
				}
				if !validEnvName(env) {
					env = "X_" + env
				}
				base := env
				for n := 2; used[env]; n++ {
					env = base + "_" + strconv.Itoa(n)
				}
				used[env] = true
				d.Params[name] = "${env:" + env + "}"
			}
		}
	}
}

// SecretRefs lists the ${env:…} and ${file:…} references of a spec's
// secrets, sorted: what must be set before applying an export.
func (s *Spec) SecretRefs() []string {
	seen := map[string]bool{}
	for _, t := range s.Targets {
		for slug, d := range t.Integrations {
			info, _ := integrations.Lookup(slug)
			for name, v := range d.Params {
				p, _ := info.Parameter(name)
				str, ok := v.(string)
				if !p.Secret || !ok {
					continue
				}
				segs, err := parseRefs(str)
				if err != nil {
					continue
				}
				for _, sg := range segs {
					if sg.kind != "" {
						seen["${"+sg.kind+":"+sg.text+"}"] = true
					}
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// envName turns parts of a name into an environment variable name:
// upper case, every run of other characters than letters and digits
// becoming one "_".
func envName(parts ...string) string {
	var b strings.Builder
	under := false
	for _, part := range parts {
		for _, c := range strings.ToUpper(part) {
			if 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				if under && b.Len() > 0 {
					b.WriteByte('_')
				}
				under = false
				b.WriteRune(c)
				continue
			}
			under = true
		}
		under = true
	}
	return b.String()
}
