package integrations

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewClientRefusesControlCharacters: a token or a User-Agent that no
// HTTP header can carry is refused by NewClient, not by every call later.
func TestNewClientRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		token string
		opts  []ClientOption
		want  string
	}{
		{"NUL in the token", "glpat-abc\x00def", nil, "token contains a control character"},
		{"tab in the token", "glpat-abc\tdef", nil, "token contains a control character"},
		{"escape in the token", "glpat-\x1b[0m", nil, "token contains a control character"},
		{"DEL in the token", "glpat-abc\x7f", nil, "token contains a control character"},
		{"CR LF in the User-Agent", relToken, []ClientOption{WithUserAgent("bot/1\r\nX-Evil: 1")}, "WithUserAgent"},
		{"LF in the User-Agent", relToken, []ClientOption{WithUserAgent("bot/1\n")}, "WithUserAgent"},
		{"NUL in the User-Agent", relToken, []ClientOption{WithUserAgent("bot\x00")}, "WithUserAgent"},
	} {
		c, err := NewClient(tc.token, tc.opts...)
		require.Error(t, err, tc.name)
		assert.Nil(t, c, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		requireNoToken(t, err.Error(), tc.name)
		assert.NotContains(t, err.Error(), "glpat-abc", tc.name)
	}
	_, err := NewClient(relToken, WithUserAgent("release-bot/2.1 (+https://example.com)"))
	assert.NoError(t, err)
}
