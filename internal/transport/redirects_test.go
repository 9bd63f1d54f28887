package transport

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// credentialNames are the headers that carry the caller's identity, as a
// test names them (credentialHeaders is what the policy drops).
var credentialNames = []string{"PRIVATE-TOKEN", "JOB-TOKEN", "Authorization", "Sudo"}

// TestRedirectAcrossSchemesDropsTheToken checks the policy itself for what
// loopback servers cannot show: an https GitLab redirecting to http on the
// same host.
func TestRedirectAcrossSchemesDropsTheToken(t *testing.T) {
	t.Parallel()
	check := TokenSafeRedirects("https", "gitlab.example.com", nil)
	for _, tc := range []struct {
		to    string
		strip bool
	}{
		{"http://gitlab.example.com/api/v4/x", true},
		{"https://gitlab.example.com:8443/api/v4/x", true},
		{"https://evil.example.com/api/v4/x", true},
		{"https://gitlab.example.com.evil.com/api/v4/x", true},
		{"https://gitlab.example.com/api/v4/other", false},
	} {
		req, err := http.NewRequest(http.MethodGet, tc.to, nil)
		require.NoError(t, err)
		for _, k := range credentialNames {
			req.Header.Set(k, "secret")
		}
		via := []*http.Request{{URL: &url.URL{Scheme: "https", Host: "gitlab.example.com"}}}
		require.NoError(t, check(req, via))
		for _, k := range credentialNames {
			if tc.strip {
				assert.Empty(t, req.Header.Get(k), "%s kept on a redirect to %s", k, tc.to)
			} else {
				assert.Equal(t, "secret", req.Header.Get(k), "%s dropped on a redirect to %s", k, tc.to)
			}
		}
	}
}
