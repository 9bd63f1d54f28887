package integrationstest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gitlabkit/integrations/integrationstest"
)

// The tests below check the fake's inheritance against GitLab's sources
// (gitlab-org/gitlab, as read for package doc): each cites the file whose
// rule it plays.

// slackAt answers GET …/integrations/slack of a project ("acme/web") or a
// group ("group:acme"), decoded; nil for a 404.
func slackAt(t *testing.T, srv *integrationstest.Server, where string) map[string]any {
	t.Helper()
	a := raw(t, srv, http.MethodGet, integrationPath(where), "")
	if a.status == http.StatusNotFound {
		return nil
	}
	require.Equal(t, http.StatusOK, a.status, a.body)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(a.body), &m))
	return m
}

// integrationPath is the Slack path of a project or "group:" path.
func integrationPath(where string) string {
	kind := "projects"
	if g, ok := cutGroup(where); ok {
		kind, where = "groups", g
	}
	return "/api/v4/" + kind + "/" + url.PathEscape(where) + "/integrations/slack"
}

func cutGroup(where string) (string, bool) {
	if len(where) > 6 && where[:6] == "group:" {
		return where[6:], true
	}
	return where, false
}

// putSlack sends a PUT of Slack with the JSON body and wants 200.
func putSlack(t *testing.T, srv *integrationstest.Server, where, body string) {
	t.Helper()
	a := raw(t, srv, http.MethodPut, integrationPath(where), body)
	require.Equal(t, http.StatusOK, a.status, a.body)
}

// channel returns the Slack channel property of an answer.
func channel(m map[string]any) any {
	if m == nil {
		return "(none)"
	}
	return m["properties"].(map[string]any)["channel"]
}

// tree adds acme with a subgroup and projects at each depth.
func tree(srv *integrationstest.Server) {
	srv.AddProject("acme/web")
	srv.AddProject("acme/platform/api")
	srv.AddProject("acme/platform/db")
	srv.AddGroup("acme/platform/infra")
	srv.AddProject("other/app")
}

// A group's integration is copied to every project and subgroup below it
// that has none, as inheriting: PropagateService#execute
// (app/services/integrations/propagate_service.rb,
// create_integration_for_groups_without_integration_belonging_to_group and
// create_integration_for_projects_without_integration_belonging_to_group)
// through Propagation::BulkCreateService, with inherit_from_id set by
// BulkOperationHashes#integration_hash; the answers say inherited: true
// (Entities::IntegrationBasic) and carry the group's flags and properties.
func TestGroupIntegrationIsCopiedToDescendantsWithout(t *testing.T) {
	srv := newServer(t)
	tree(srv)
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme","pipeline_events":true,"push_events":false}`)
	for _, where := range []string{"acme/web", "acme/platform/api", "acme/platform/db", "group:acme/platform", "group:acme/platform/infra"} {
		m := slackAt(t, srv, where)
		require.NotNil(t, m, where)
		assert.Equal(t, true, m["inherited"], where)
		assert.Equal(t, true, m["active"], where)
		assert.Equal(t, "#acme", channel(m), where)
		assert.Equal(t, true, m["pipeline_events"], where)
		assert.Equal(t, false, m["push_events"], where)
	}
	assert.Nil(t, slackAt(t, srv, "other/app"), "outside the group")
	assert.Equal(t, false, slackAt(t, srv, "group:acme")["inherited"])

	// The list shows the copy too, inherited.
	a := raw(t, srv, http.MethodGet, "/api/v4/projects/acme%2Fplatform%2Fapi/integrations", "")
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(a.body), &list))
	require.Len(t, list, 1)
	assert.Equal(t, "slack", list[0]["slug"])
	assert.Equal(t, true, list[0]["inherited"])
	assert.Equal(t, true, list[0]["pipeline_events"])
}

// A project or subgroup with settings of its own keeps them when the group
// changes: only records whose inherit_from_id is the group's or an
// ancestor's are updated (Integration.inherited_descendants_from_self_or_ancestors_from,
// app/models/concerns/integrations/base/integration.rb), and the create
// steps skip what has a record (Project.without_integration).
func TestOwnSettingsAreLeftAlone(t *testing.T) {
	srv := newServer(t)
	tree(srv)
	putSlack(t, srv, "acme/web", `{"webhook":"https://hooks.slack.com/services/T/B/W","channel":"#web"}`)
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme-2"}`)
	m := slackAt(t, srv, "acme/web")
	assert.Equal(t, false, m["inherited"])
	assert.Equal(t, "#web", channel(m))
	assert.Equal(t, "#acme-2", channel(slackAt(t, srv, "acme/platform/db")))
}

// A change to the group reaches the inheriting descendants, and their
// updated_at moves: Propagation::BulkUpdateService writes integration_hash,
// whose update_timestamps sets updated_at to now
// (app/services/integrations/propagation/bulk_update_service.rb,
// bulk_operation_hashes.rb).
func TestGroupChangeReachesInheritingAndMovesUpdatedAt(t *testing.T) {
	srv := newServer(t)
	tree(srv)
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	before := slackAt(t, srv, "acme/platform/api")
	time.Sleep(2 * time.Millisecond) // GitLab's times have milliseconds
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme-2","pipeline_events":true}`)
	after := slackAt(t, srv, "acme/platform/api")
	assert.Equal(t, "#acme-2", channel(after))
	assert.Equal(t, true, after["pipeline_events"])
	assert.Equal(t, before["created_at"], after["created_at"])
	assert.NotEqual(t, before["updated_at"], after["updated_at"], "propagation sets updated_at")
}

// GitLab copies in Sidekiq workers (PropagateIntegrationWorker,
// app/workers/propagate_integration_worker.rb, enqueued after the save):
// with a delay the descendants show the old settings until the workers
// have run, and the worker reads the group's integration as it is when it
// runs (Integration.find_by_id).
func TestPropagationDelay(t *testing.T) {
	srv := newServer(t, integrationstest.WithPropagationDelay(time.Hour))
	tree(srv)
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	assert.Nil(t, slackAt(t, srv, "acme/web"), "not there yet")
	assert.Equal(t, 1, srv.PendingPropagations())
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme-2"}`)
	srv.FinishPropagation()
	assert.Zero(t, srv.PendingPropagations())
	assert.Equal(t, "#acme-2", channel(slackAt(t, srv, "acme/web")))

	short := newServer(t, integrationstest.WithPropagationDelay(20*time.Millisecond))
	short.AddProject("acme/web")
	putSlack(t, short, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	assert.Nil(t, slackAt(t, short, "acme/web"))
	require.Eventually(t, func() bool { return short.PendingPropagations() == 0 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, "#acme", channel(slackAt(t, short, "acme/web")))
}

// use_inherited_settings: true links to the nearest group above whose
// integration has settings of its own, active or not, skipping one that
// inherits (Integration.closest_group_integration: inherit_from_id nil),
// and copies its settings to a project at once (Integrations::UpdateService
// #handle_inherited_settings, app/services/integrations/update_service.rb);
// with none, 400 "Default integration not found.".
func TestUseInheritedSettingsLinksToClosestOwn(t *testing.T) {
	srv := newServer(t)
	tree(srv)
	putSlack(t, srv, "acme/platform/api", `{"webhook":"https://hooks.slack.com/services/T/B/A","channel":"#api"}`)
	a := raw(t, srv, http.MethodPut, integrationPath("acme/platform/api"), `{"webhook":"x","use_inherited_settings":true}`)
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.JSONEq(t, `{"message":"Default integration not found."}`, a.body)

	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	// acme/platform got an inheriting copy: it is skipped, acme is linked.
	putSlack(t, srv, "acme/platform/api", `{"webhook":"x","use_inherited_settings":true}`)
	m := slackAt(t, srv, "acme/platform/api")
	assert.Equal(t, true, m["inherited"])
	assert.Equal(t, "#acme", channel(m))

	// Once acme/platform has its own settings, it is the closest.
	putSlack(t, srv, "group:acme/platform", `{"webhook":"https://hooks.slack.com/services/T/B/P","channel":"#platform","use_inherited_settings":false}`)
	putSlack(t, srv, "acme/platform/api", `{"webhook":"x","use_inherited_settings":true}`)
	assert.Equal(t, "#platform", channel(slackAt(t, srv, "acme/platform/api")))

	// Linked back to acme, acme/platform keeps "#platform" (a group is not
	// copied at once) but no longer counts: acme is the closest again.
	putSlack(t, srv, "group:acme/platform", `{"webhook":"x","use_inherited_settings":true}`)
	assert.Equal(t, "#platform", channel(slackAt(t, srv, "group:acme/platform")))
	putSlack(t, srv, "acme/platform/api", `{"webhook":"x","use_inherited_settings":true}`)
	assert.Equal(t, "#acme", channel(slackAt(t, srv, "acme/platform/api")))
}

// use_inherited_settings: false saves the values sent as the project's own
// (handle_default_settings sets inherit_from_id nil); left out while
// inheriting, the values sent are ignored and the link kept
// (handle_inherited_settings? reads inherit_from_id?).
func TestUseInheritedSettingsFalseAndLeftOut(t *testing.T) {
	srv := newServer(t)
	tree(srv)
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	putSlack(t, srv, "acme/web", `{"webhook":"https://hooks.slack.com/services/T/B/W","channel":"#mine"}`)
	m := slackAt(t, srv, "acme/web")
	assert.Equal(t, true, m["inherited"])
	assert.Equal(t, "#acme", channel(m), "ignored while inheriting")

	putSlack(t, srv, "acme/web", `{"webhook":"https://hooks.slack.com/services/T/B/W","channel":"#mine","use_inherited_settings":false}`)
	m = slackAt(t, srv, "acme/web")
	assert.Equal(t, false, m["inherited"])
	assert.Equal(t, "#mine", channel(m))
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme-2"}`)
	assert.Equal(t, "#mine", channel(slackAt(t, srv, "acme/web")), "its own now")
}

// A subgroup that takes settings of its own takes over the projects below
// it that inherited from the group above: its propagation updates records
// whose inherit_from_id is any group in self_and_ancestors
// (inherited_descendants_from_self_or_ancestors_from), and the group above
// no longer reaches them (its own propagation looks for its ancestors'
// IDs, not its descendants').
func TestSubgroupWithOwnSettingsTakesOver(t *testing.T) {
	srv := newServer(t)
	tree(srv)
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	putSlack(t, srv, "group:acme/platform", `{"webhook":"https://hooks.slack.com/services/T/B/P","channel":"#platform","use_inherited_settings":false}`)
	assert.Equal(t, "#platform", channel(slackAt(t, srv, "acme/platform/db")))
	assert.Equal(t, "#platform", channel(slackAt(t, srv, "group:acme/platform/infra")))
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme-2"}`)
	assert.Equal(t, "#platform", channel(slackAt(t, srv, "acme/platform/db")))
	assert.Equal(t, "#acme-2", channel(slackAt(t, srv, "acme/web")))
}

// DELETE resets the group's fields and turns it off, leaving
// inherit_from_id alone (lib/api/integrations/integratable_operations.rb);
// the copy that follows carries active false to the inheriting
// descendants, which stay linked, and the group's next PUT turns them on
// again. Their own-settings siblings are untouched.
func TestGroupDeleteDisablesInheriting(t *testing.T) {
	srv := newServer(t)
	tree(srv)
	putSlack(t, srv, "acme/web", `{"webhook":"https://hooks.slack.com/services/T/B/W","channel":"#web"}`)
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	a := raw(t, srv, http.MethodDelete, integrationPath("group:acme"), "")
	require.Equal(t, http.StatusNoContent, a.status)
	m := slackAt(t, srv, "acme/platform/api")
	assert.Equal(t, false, m["active"])
	assert.Equal(t, true, m["inherited"])
	assert.Nil(t, channel(m), "the reset settings")
	assert.Equal(t, true, slackAt(t, srv, "acme/web")["active"])

	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#back"}`)
	m = slackAt(t, srv, "acme/platform/api")
	assert.Equal(t, true, m["active"])
	assert.Equal(t, "#back", channel(m))
}

// The Reset button of a group's integration page destroys it
// (Integrations::Actions#reset, app/controllers/concerns/integrations/actions.rb),
// and the inheriting integrations below go with it through inherit_from_id's
// ON DELETE CASCADE (db/migrate …_change_services_inherit_from_id_foreign_key.rb).
func TestResetIntegrationCascades(t *testing.T) {
	srv := newServer(t)
	tree(srv)
	putSlack(t, srv, "acme/web", `{"webhook":"https://hooks.slack.com/services/T/B/W","channel":"#web"}`)
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	require.NoError(t, srv.ResetIntegration("acme", "slack"))
	for _, where := range []string{"group:acme", "group:acme/platform", "group:acme/platform/infra", "acme/platform/api"} {
		assert.Nil(t, slackAt(t, srv, where), where)
	}
	assert.Equal(t, "#web", channel(slackAt(t, srv, "acme/web")))
	assert.Error(t, srv.ResetIntegration("acme", "slack"))
	assert.Error(t, srv.ResetIntegration("nope", "slack"))
}

// A group linked with use_inherited_settings: true is only linked: GitLab
// copies the default's settings at once to a project alone
// (handle_inherited_settings: `if integration.project_level?`), so a new
// subgroup integration stays off with no settings until the group above
// propagates again.
func TestGroupLinkedToInheritIsNotCopiedAtOnce(t *testing.T) {
	srv := newServer(t)
	srv.AddGroup("acme")
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	require.Equal(t, http.StatusNoContent, raw(t, srv, http.MethodDelete, integrationPath("group:acme"), "").status)
	srv.AddGroup("acme/late") // created under an inactive integration: none
	require.Nil(t, slackAt(t, srv, "group:acme/late"))
	putSlack(t, srv, "group:acme/late", `{"webhook":"x","use_inherited_settings":true}`)
	m := slackAt(t, srv, "group:acme/late")
	assert.Equal(t, true, m["inherited"])
	assert.Equal(t, false, m["active"])
	assert.Nil(t, channel(m))
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme-2"}`)
	m = slackAt(t, srv, "group:acme/late")
	assert.Equal(t, true, m["active"])
	assert.Equal(t, "#acme-2", channel(m))
}

// A project or group created below a group whose integration is active
// with settings of its own starts with an inheriting copy of it, the
// nearest such group's (Projects::CreateService and Groups::CreateService
// call Integration.create_from_default_integrations, whose
// create_from_active_default_integrations takes active integrations with
// inherit_from_id nil, nearest first, through build_from_integration).
func TestCreatedBelowAGroupInheritsItsActiveIntegration(t *testing.T) {
	srv := newServer(t)
	srv.AddGroup("acme/platform")
	putSlack(t, srv, "group:acme", `{"webhook":"https://hooks.slack.com/services/T/B/G","channel":"#acme"}`)
	putSlack(t, srv, "group:acme/platform", `{"webhook":"https://hooks.slack.com/services/T/B/P","channel":"#platform","use_inherited_settings":false}`)
	srv.AddProject("acme/platform/new")
	srv.AddProject("acme/new")
	m := slackAt(t, srv, "acme/platform/new")
	assert.Equal(t, true, m["inherited"])
	assert.Equal(t, "#platform", channel(m))
	assert.Equal(t, "#acme", channel(slackAt(t, srv, "acme/new")))

	// An inactive one is not copied; the next active one above is.
	require.Equal(t, http.StatusNoContent, raw(t, srv, http.MethodDelete, integrationPath("group:acme/platform"), "").status)
	srv.AddProject("acme/platform/newer/app")
	assert.Equal(t, "#acme", channel(slackAt(t, srv, "acme/platform/newer/app")))
	assert.Equal(t, "#acme", channel(slackAt(t, srv, "group:acme/platform/newer")))
}
