package fleet

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveReferences(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(file, []byte("from-file\n"), 0o600))
	env := map[string]string{"A": "alpha", "EMPTY": ""}
	r := newResolver(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	for in, want := range map[string]string{
		"plain":                         "plain",
		"${env:A}":                      "alpha",
		"Bearer ${env:A}!":              "Bearer alpha!",
		"${env:EMPTY}":                  "",
		"$${env:A}":                     "${env:A}",
		"${file:" + file + "}":          "from-file",
		"${env:A}-${file:" + file + "}": "alpha-from-file",
	} {
		got, err := r.str(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := r.str("x ${env:MISSING}")
	assert.True(t, errors.Is(err, errReference))
	assert.EqualError(t, err, "reference cannot be resolved: ${env:MISSING}: the environment variable MISSING is not set")
	_, err = r.str("${file:" + filepath.Join(dir, "nope") + "}")
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.True(t, hasRefs("a ${env:A}"))
	assert.False(t, hasRefs("a $${env:A}"))
	assert.False(t, hasRefs(true))
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		glob, path string
		want       bool
	}{
		{"acme/web*", "acme/web", true},
		{"acme/web*", "acme/website", true},
		{"acme/web*", "acme/web/sub", false},
		{"acme/**", "acme/a/b/c", true},
		{"acme/**", "acme", false},
		{"acme/**/web", "acme/web", true},
		{"acme/**/web", "acme/x/y/web", true},
		{"acme/*/web", "acme/x/y/web", false},
		{"acme/?pi", "acme/api", true},
		{"acme/?pi", "acme/a/pi", false},
		{"ACME/Web", "acme/web", true},
		{"acme/w.b", "acme/wxb", false},
	} {
		re, err := compileGlob(c.glob)
		require.NoError(t, err)
		assert.Equal(t, c.want, re.MatchString(c.path), "%s ~ %s", c.glob, c.path)
	}
	f, err := newPathFilter([]string{"acme/web*", "acme/api"}, []string{"acme/legacy/**", "acme/webold"})
	require.NoError(t, err)
	var kept []string
	for _, p := range []string{"acme/web", "acme/webold", "acme/api", "acme/legacy/web", "acme/docs"} {
		if f.keep(p) {
			kept = append(kept, p)
		}
	}
	assert.Equal(t, []string{"acme/web", "acme/api"}, kept)
}
