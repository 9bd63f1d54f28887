package integrations

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// endpoint is the one implementation of Get, Set and Delete behind every
// service: the typed Service[O, P] and the by-slug DynamicService differ
// only in the Go types they decode into and how they check what they send.
type endpoint struct {
	client *Client
	info   *IntegrationInfo
}

func (e endpoint) slug() string {
	if e.info == nil {
		return ""
	}
	return e.info.Slug
}

// get reads the integration into out; common is out's Integration part,
// checked to be this integration.
func (e endpoint) get(ctx context.Context, scope Scope, out any, common *Integration, opts []RequestOption) error {
	if err := e.check(ctx, scope); err != nil {
		return err
	}
	if err := e.client.doIntegrations(ctx, http.MethodGet, scope, e.info, nil, out, opts); err != nil {
		return err
	}
	return e.checkAnswer(common)
}

// set sends body after the checks every Set makes: the reference, the level,
// and p, the problems the caller found in body. Every problem is reported at
// once, and then nothing is sent.
func (e endpoint) set(ctx context.Context, scope Scope, body any, p problems, out any, common *Integration, opts []RequestOption) error {
	if err := e.checkRef(ctx, scope); err != nil {
		return err
	}
	var lp problems
	e.checkLevel(scope, &lp)
	if p = append(lp, p...); len(p) > 0 {
		return &ValidationError{Integration: e.info.Slug, Problems: p}
	}
	if err := e.client.doIntegrations(ctx, http.MethodPut, scope, e.info, body, out, opts); err != nil {
		return err
	}
	return e.checkAnswer(common)
}

// delete disables the integration.
func (e endpoint) delete(ctx context.Context, scope Scope, opts []RequestOption) error {
	if err := e.check(ctx, scope); err != nil {
		return err
	}
	return e.client.doIntegrations(ctx, http.MethodDelete, scope, e.info, nil, nil, opts)
}

// warnIgnored logs, through the client's logger, the parameters being sent
// that current GitLab accepts but drops. Only names are logged, never values.
func (e endpoint) warnIgnored(ctx context.Context, names []string) {
	if len(names) == 0 || !e.client.logger.Enabled(ctx, slog.LevelWarn) {
		return
	}
	e.client.logger.LogAttrs(ctx, slog.LevelWarn, "current GitLab ignores these parameters",
		slog.String("integration", e.info.Slug), slog.String("parameters", strings.Join(names, ", ")))
}

// warnValues logs, through the client's logger, what GitLab will accept in
// the values being sent but not use as people expect (an issue link
// template without ":id"). The warnings name parameters, never values.
func (e endpoint) warnValues(ctx context.Context, warnings []string) {
	if len(warnings) == 0 || !e.client.logger.Enabled(ctx, slog.LevelWarn) {
		return
	}
	e.client.logger.LogAttrs(ctx, slog.LevelWarn, "GitLab accepts these values but may not use them as intended",
		slog.String("integration", e.info.Slug), slog.String("warnings", strings.Join(warnings, "; ")))
}

// check refuses a call before anything is sent: no context, a bad
// reference, or a group for an integration that exists for projects only.
func (e endpoint) check(ctx context.Context, scope Scope) error {
	if err := e.checkRef(ctx, scope); err != nil {
		return err
	}
	var p problems
	if e.checkLevel(scope, &p); len(p) > 0 {
		return &ValidationError{Integration: e.info.Slug, Problems: p}
	}
	return nil
}

// checkRef refuses an uninitialised service, a missing context or a bad
// project or group reference.
func (e endpoint) checkRef(ctx context.Context, scope Scope) error {
	if e.client == nil || e.info == nil {
		return invalid("service not initialised: use the services of a Client made by NewClient")
	}
	if err := e.client.usable(); err != nil {
		return err
	}
	if ctx == nil {
		return invalid("nil context.Context (use context.Background())")
	}
	return scope.validate()
}

// checkLevel records a group scope for an integration that GitLab offers
// for projects only (GitLab would answer 400 "Integration not available").
func (e endpoint) checkLevel(scope Scope, p *problems) {
	if scope.IsGroup() && !e.info.Group {
		*p = append(*p, fmt.Sprintf("%s (%s) is available for projects only, not for %s", e.info.Title, e.info.Slug, scope))
	}
}

// checkAnswer rejects a 2xx answer that is not this integration: one that
// names another integration (a proxy or a wrong route), or one that is no
// integration at all (neither an "id" nor a "slug": an error body sent with
// a success status, say). GitLab before 14.x sent no "slug", so an answer
// with an id and no slug is taken as it is.
func (e endpoint) checkAnswer(got *Integration) error {
	switch {
	case got.Slug == "" && got.ID == 0:
		return fmt.Errorf("%w: the answer has neither an \"id\" nor a \"slug\", so it is not the %s integration (an error body sent with a success status?)",
			ErrInvalidResponse, e.info.Slug)
	case got.Slug == "" || sameSlug(got.Slug, e.info.Slug):
		return nil
	}
	return fmt.Errorf("%w: asked for the %s integration, the answer is for %q", ErrInvalidResponse, e.info.Slug, got.Slug)
}

// sameSlug compares slugs as GitLab has written them: older servers used
// underscores ("emails_on_push") where current ones use dashes.
func sameSlug(got, want string) bool {
	return got == want || strings.ReplaceAll(got, "_", "-") == want
}
