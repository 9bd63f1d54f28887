package integrations

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorsBeforeSendingAreValidationErrors makes every call the SDK
// refuses before sending, for every integration: each error is a
// *ValidationError, matches ErrValidation, reads "integrations: …", and
// nothing reached the transport.
func TestErrorsBeforeSendingAreValidationErrors(t *testing.T) {
	t.Parallel()
	fake := newFakeGitLab(t)
	c := fake.client()
	var nilCtx context.Context
	ctx := context.Background()
	scopes := map[string]Scope{
		"zero scope": {}, "empty path": Project(""), "negative ID": GroupID(-1),
		"empty segment": Project("acme//web"), "dot segment": Group("acme/.."), "control character": Project("acme/\x00web"),
		"query character": Project("acme/web?x"),
	}
	checked := 0
	check := func(what string, err error) {
		t.Helper()
		checked++
		var ve *ValidationError
		if !assert.True(t, errors.As(err, &ve), "%s: want *ValidationError, got %T: %v", what, err, err) {
			return
		}
		assert.ErrorIs(t, err, ErrValidation, what)
		assert.True(t, strings.HasPrefix(err.Error(), "integrations: "), "%s: %q", what, err)
	}
	for _, sc := range generatedServices {
		info, ok := Lookup(sc.slug)
		require.True(t, ok)
		opts := sc.newOptions()
		nilOpts := reflect.Zero(reflect.TypeOf(opts)).Interface()
		_, err := sc.get(nilCtx, c, ProjectID(1))
		check(sc.slug+" Get nil ctx", err)
		_, err = sc.set(nilCtx, c, ProjectID(1), opts)
		check(sc.slug+" Set nil ctx", err)
		check(sc.slug+" Delete nil ctx", sc.del(nilCtx, c, ProjectID(1)))
		_, err = sc.set(ctx, c, ProjectID(1), nilOpts)
		check(sc.slug+" Set nil options", err)
		for name, s := range scopes {
			_, err := sc.get(ctx, c, s)
			check(sc.slug+" Get "+name, err)
			_, err = sc.set(ctx, c, s, opts)
			check(sc.slug+" Set "+name, err)
			check(sc.slug+" Delete "+name, sc.del(ctx, c, s))
		}
		if !info.Group {
			_, err = sc.get(ctx, c, GroupID(1))
			check(sc.slug+" Get on a group", err)
		}
	}
	var nilSvc *SlackService
	_, err := nilSvc.Get(ctx, ProjectID(1))
	check("nil service", err)
	_, err = c.List(nilCtx, ProjectID(1))
	check("List nil ctx", err)
	_, err = c.List(ctx, Scope{})
	check("List zero scope", err)
	_, err = c.ServerVersion(nilCtx)
	check("ServerVersion nil ctx", err)
	for _, err := range c.Projects(ctx, Project("acme/web")) {
		check("Projects of a project", err)
	}
	for _, err := range c.Subgroups(ctx, Scope{}) {
		check("Subgroups zero scope", err)
	}
	assert.Empty(t, fake.requests(), "nothing was sent")
	assert.Equal(t, len(generatedServices), len(Catalog()))
	t.Logf("%d refused calls over %d integrations", checked, len(generatedServices))
}
