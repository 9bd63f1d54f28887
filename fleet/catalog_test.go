package fleet_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSpecValidationOverEveryIntegration writes a spec managing every
// parameter of every integration (on a project, and on a group where
// GitLab offers it), reads it back, and then spoils each parameter's type
// once: exactly that parameter is reported, at its line.
func TestSpecValidationOverEveryIntegration(t *testing.T) {
	for _, info := range integrations.Catalog() {
		params := map[string]any{}
		for k, v := range valuesFor(info) {
			if s, ok := v.(string); ok && k != "" {
				if p, _ := info.Parameter(k); p.Type == integrations.TypeInteger {
					v = int64(len(s))
					if len(p.AllowedValues) > 0 {
						v = int64(0)
						fmt.Sscan(p.AllowedValues[0], &v)
					}
				}
			}
			params[k] = v
		}
		spec := &fleet.Spec{Version: 1, Targets: []fleet.Target{{Project: "acme/web", Integrations: map[string]fleet.Desired{info.Slug: {Params: params}}}}}
		if info.Group {
			spec.Targets = append(spec.Targets, fleet.Target{Group: "acme", Integrations: map[string]fleet.Desired{info.Slug: {Params: params}}})
		}
		var yml bytes.Buffer
		require.NoError(t, spec.WriteYAML(&yml), info.Slug)
		back, err := fleet.ParseSpec("f.yaml", yml.Bytes())
		require.NoError(t, err, "%s\n%s", info.Slug, yml.String())
		assert.Equal(t, params, back.Targets[0].Integrations[info.Slug].Params, info.Slug)

		if !info.Group {
			bad := &fleet.Spec{Version: 1, Targets: []fleet.Target{{Group: "acme", Integrations: map[string]fleet.Desired{info.Slug: {State: fleet.Absent}}}}}
			err := bad.Validate()
			assert.EqualError(t, err, fmt.Sprintf("targets[0].integrations.%s: %s (%s) exists for projects only, not on a group: move it to a project: or projects_in: target", info.Slug, info.Title, info.Slug))
		}
		for _, p := range info.Parameters {
			if _, ok := params[p.Name]; !ok {
				continue
			}
			wrong := map[string]any{}
			for k, v := range params {
				wrong[k] = v
			}
			switch p.Type {
			case integrations.TypeBoolean, integrations.TypeInteger:
				wrong[p.Name] = []string{"x"}
			default:
				wrong[p.Name] = map[string]any{"x": 1}
			}
			s := &fleet.Spec{Version: 1, Targets: []fleet.Target{{Project: "acme/web", Integrations: map[string]fleet.Desired{info.Slug: {Params: wrong}}}}}
			err := s.Validate()
			var se *fleet.SpecError
			require.True(t, errors.As(err, &se), "%s.%s", info.Slug, p.Name)
			require.Len(t, se.Problems, 1, "%s.%s: %v", info.Slug, p.Name, err)
			assert.Equal(t, "targets[0].integrations."+info.Slug+"."+p.Name, se.Problems[0].Where)
			assert.Contains(t, se.Problems[0].Message, info.Slug+"."+p.Name+": want ")
		}
	}
}
