package integrationstest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/integrationstest"
)

func TestServerVersion(t *testing.T) {
	for _, tc := range []struct {
		version    string
		enterprise bool
		paths      []string
	}{
		{"", true, []string{"/api/v4/metadata"}},
		{"16.11.2", false, []string{"/api/v4/metadata"}},
		{"15.2.0-ee", true, []string{"/api/v4/metadata"}},
		{"15.1.6-ee", true, []string{"/api/v4/metadata", "/api/v4/version"}},
		{"14.3.0", false, []string{"/api/v4/metadata", "/api/v4/version"}},
	} {
		srv := integrationstest.NewServer(integrationstest.WithVersion(tc.version))
		c, err := srv.NewClient(integrations.WithoutRetries())
		require.NoError(t, err)
		v, err := c.ServerVersion(context.Background())
		require.NoError(t, err, tc.version)
		want := tc.version
		if want == "" {
			want = integrationstest.DefaultVersion
		}
		assert.Equal(t, want, v.Version)
		assert.NotEmpty(t, v.Revision)
		assert.Equal(t, tc.enterprise, v.Enterprise, tc.version)
		var paths []string
		for _, r := range srv.Requests() {
			paths = append(paths, r.Path)
		}
		assert.Equal(t, tc.paths, paths, tc.version)
		srv.Close()
	}

	srv := integrationstest.NewServer()
	defer srv.Close()
	c, err := integrations.NewClient("glpat-wrong", integrations.WithBaseURL(srv.URL()), integrations.WithoutRetries())
	require.NoError(t, err)
	_, err = c.ServerVersion(context.Background())
	assert.ErrorIs(t, err, integrations.ErrUnauthorized)
	//lint:ignore SA1012 a nil context is what is tested
	_, err = c.ServerVersion(nil)
	var verr *integrations.ValidationError
	assert.ErrorAs(t, err, &verr)
	assert.Empty(t, srv.Requests()[1:], "nothing sent for a nil context")
}
