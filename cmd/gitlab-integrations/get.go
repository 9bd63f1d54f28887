package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitlabkit/integrations"
)

// getOptions are the flags of get.
type getOptions struct {
	scope scopeFlags
}

// settingsView is one integration's settings as get and set print them.
// Secrets are never in it: GitLab does not report them, and the tool
// drops any parameter the catalog calls secret.
type settingsView struct {
	Scope       string              `json:"scope" yaml:"scope"`
	Integration string              `json:"integration" yaml:"integration"`
	Active      bool                `json:"active" yaml:"active"`
	Inherited   bool                `json:"inherited" yaml:"inherited"`
	UpdatedAt   time.Time           `json:"updated_at" yaml:"updated_at"`
	Events      map[string]bool     `json:"events,omitempty" yaml:"events,omitempty"`
	Properties  integrations.Values `json:"properties" yaml:"properties"`
}

func newGetCmd(root *rootOptions) *cobra.Command {
	var opts getOptions
	cmd := &cobra.Command{
		Use:               "get SLUG --project P | --group G",
		Short:             "Print the settings of one integration",
		Example:           "  gitlab-integrations get slack --project acme/web\n  gitlab-integrations get jira --group acme -o yaml",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: slugCompletion,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := root.format("table", dataFormats...)
			if err != nil {
				return err
			}
			d, err := root.integration(args[0])
			if err != nil {
				return err
			}
			scope := opts.scope.scope()
			st, err := d.Get(cmd.Context(), scope)
			if err != nil {
				return fmt.Errorf("getting %s on %s: %w", d.Info().Slug, scope, err)
			}
			return printSettings(cmd, format, scope, d.Info(), st)
		},
	}
	opts.scope.bind(cmd)
	return cmd
}

// newSettingsView keeps what may be shown of st: its event flags and its
// non-secret properties.
func newSettingsView(scope integrations.Scope, info integrations.IntegrationInfo, st *integrations.Settings[integrations.Values]) settingsView {
	v := settingsView{
		Scope: scopeText(scope), Integration: info.Slug,
		Active: st.Active, Inherited: st.Inherited, UpdatedAt: st.UpdatedAt,
		Properties: publicProperties(info, st.Properties),
	}
	if len(info.Events) > 0 {
		// The event flags are fields of Integration; read them by their
		// API names through its JSON form.
		var all map[string]any
		if b, err := json.Marshal(st.Integration); err == nil && json.Unmarshal(b, &all) == nil {
			v.Events = map[string]bool{}
			for _, e := range info.Events {
				if b, ok := all[e].(bool); ok {
					v.Events[e] = b
				}
			}
		}
	}
	return v
}

// publicProperties drops the parameters the catalog calls secret.
func publicProperties(info integrations.IntegrationInfo, props integrations.Values) integrations.Values {
	out := integrations.Values{}
	for k, val := range props {
		if p, ok := info.Parameter(k); ok && p.Secret {
			continue
		}
		out[k] = val
	}
	return out
}

func printSettings(cmd *cobra.Command, format string, scope integrations.Scope, info integrations.IntegrationInfo, st *integrations.Settings[integrations.Values]) error {
	v := newSettingsView(scope, info, st)
	t := &table{header: []string{"FIELD", "VALUE"}}
	t.add("scope", v.Scope)
	t.add("integration", v.Integration)
	t.add("active", fmt.Sprint(v.Active))
	t.add("inherited", fmt.Sprint(v.Inherited))
	t.add("updated_at", v.UpdatedAt.UTC().Format(time.RFC3339))
	for _, k := range sortedKeys(v.Events) {
		t.add(k, fmt.Sprint(v.Events[k]))
	}
	// The table leaves out properties without a value; JSON, YAML and
	// CSV keep them.
	for _, k := range sortedKeys(v.Properties) {
		if c := cell(v.Properties[k]); c != "" || format == "csv" {
			t.add(k, c)
		}
	}
	return render(cmd.OutOrStdout(), format, v, t)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
