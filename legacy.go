package integrations

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/gitlabkit/integrations/internal/transport"
)

// doIntegrations sends one request to the integrations of scope: the list
// when info is nil, else the integration info describes. GitLab before 14.4
// has these endpoints for projects only below /projects/:id/services: when
// the server answers that the /integrations route does not exist, the
// request is sent once more below /services, and when the server knows
// that route the client keeps using it for projects. Groups have no such
// alias.
func (c *Client) doIntegrations(ctx context.Context, method string, scope Scope, info *IntegrationInfo, body, out any, opts []RequestOption) error {
	suffix := ""
	if info != nil {
		suffix = "/" + info.Slug
	}
	// The caller's WithResponseInto gets the answer that is returned.
	rc := configure(opts)
	if scope.IsGroup() || atomic.LoadUint32(&c.servicesOnly) == 1 {
		collection := "/services"
		if scope.IsGroup() {
			collection = "/integrations"
		}
		u := c.endpointURL(scope, collection+suffix)
		resp, err := c.doRaw(ctx, method, &u, body, out, rc.header)
		return c.explain(err, scope, info, rc.response, resp)
	}
	u := c.endpointURL(scope, "/integrations"+suffix)
	first, err := c.doRaw(ctx, method, &u, body, out, rc.header)
	if !isRouteUnknown(err) {
		return c.explain(err, scope, info, rc.response, first)
	}
	u = c.endpointURL(scope, "/services"+suffix)
	second, legacyErr := c.doRaw(ctx, method, &u, body, out, rc.header)
	if !knowsRoute(legacyErr) {
		return c.explain(err, scope, info, rc.response, first) // neither exists: keep GitLab's first answer
	}
	if atomic.CompareAndSwapUint32(&c.servicesOnly, 0, 1) {
		c.logger.LogAttrs(ctx, slog.LevelInfo, "gitlab has no /integrations endpoints (GitLab before 14.4): using /projects/:id/services from now on")
	}
	return c.explain(legacyErr, scope, info, rc.response, second)
}

// knowsRoute reports whether an answer below /services shows that the
// server has the route: a success, or one of the errors GitLab's
// endpoints answer (not its router's 404, not a proxy's failure).
func knowsRoute(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return err == nil
	}
	switch e.StatusCode {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity:
		return !e.routeUnknown()
	}
	return false
}

func isRouteUnknown(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	return errors.As(err, &e) && e.routeUnknown()
}

// explain adds what the SDK knows to GitLab's answer for an integration the
// server does not know: that GitLab removed it, or that groups have
// integrations only since GitLab 17.9.
//
// When dst is not nil (the caller's WithResponseInto), it receives resp,
// without credentials.
func (c *Client) explain(err error, scope Scope, info *IntegrationInfo, dst **http.Response, resp *http.Response) error {
	if dst != nil {
		*dst = transport.WithoutCredentials(resp) // nil when GitLab gave no answer
	}
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) || !e.unknownSlug() {
		return err
	}
	switch {
	case info != nil && info.RemovedIn != "":
		e.removedIn = info.RemovedIn
		e.hint = info.Title + " (" + info.Slug + ") was removed in GitLab " + info.RemovedIn +
			": this server no longer serves it; only older self-managed servers do"
	case scope.IsGroup() && e.routeUnknown():
		e.hint = "the server has no such group endpoint: GitLab serves group integrations since 17.9, and each integration only from the version that added it"
	case e.routeUnknown() && info != nil:
		e.hint = "the server does not know " + info.Slug + ": it may be older than the integration"
	}
	return err
}
