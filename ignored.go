package integrations

import (
	"context"
	"log/slog"
)

// ignoredSetter is implemented by every options struct: it names the
// parameters set in it that current GitLab ignores.
type ignoredSetter interface{ ignoredSet() []string }

// warnIgnored logs a warning through the client's logger when o sets
// parameters that current GitLab ignores, naming the integration and the
// parameters, never their values.
func (c *Client) warnIgnored(ctx context.Context, slug string, o any) {
	ig, ok := o.(ignoredSetter)
	if !ok {
		return
	}
	names := ig.ignoredSet()
	if len(names) == 0 {
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelWarn, "gitlab ignores parameters that were sent",
		slog.String("integration", slug), slog.Any("parameters", names))
}
