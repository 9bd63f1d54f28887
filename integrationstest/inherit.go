package integrationstest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file plays how GitLab copies a group's integration to what is
// below it. GitLab keeps no live link: an inheriting integration is a copy
// of its group's settings with inherit_from_id pointing at the group's
// record, and a Sidekiq worker (PropagateIntegrationWorker →
// Integrations::PropagateService) rewrites the copies after the group's
// integration is saved. Here, record.inheritFrom stands for
// inherit_from_id, and propagate is PropagateService#execute for a group.

// WithPropagationDelay makes the server copy a group's integration to the
// projects and subgroups below it d after the group's PUT or DELETE was
// answered, as GitLab's background workers do some time after the save,
// so that a client can be tested against descendants that do not show the
// group's settings yet. Zero (the default) or a negative d copies them
// before the group's answer is written. Server.FinishPropagation runs
// what is pending at once.
func WithPropagationDelay(d time.Duration) Option {
	return func(c *config) { c.propagationDelay = max(d, 0) }
}

// propagationQueue holds the copies scheduled and not yet made.
type propagationQueue struct {
	next    int
	pending map[int]*propagationJob
}

// propagationJob is one PropagateIntegrationWorker job: the group whose
// integration slug is to be copied below it.
type propagationJob struct {
	group *holder
	slug  string
	timer *time.Timer
}

// schedulePropagation enqueues the copy of group g's integration slug to
// its descendants, as GitLab's save of a group integration enqueues
// PropagateIntegrationWorker. The caller holds s.mu.
func (s *Server) schedulePropagation(g *holder, slug string) {
	if s.cfg.propagationDelay <= 0 {
		s.propagate(g, slug)
		return
	}
	q := &s.propagation
	if q.pending == nil {
		q.pending = map[int]*propagationJob{}
	}
	q.next++
	id := q.next
	job := &propagationJob{group: g, slug: slug}
	q.pending[id] = job
	job.timer = time.AfterFunc(s.cfg.propagationDelay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if q.pending[id] != job {
			return // run by FinishPropagation or dropped by Close
		}
		delete(q.pending, id)
		s.propagate(job.group, job.slug)
	})
}

// PendingPropagations returns how many copies of group integrations to
// their descendants are scheduled and not made yet (see
// WithPropagationDelay).
func (s *Server) PendingPropagations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.propagation.pending)
}

// FinishPropagation makes every pending copy of a group integration to its
// descendants now, in the order they were scheduled, as if GitLab's
// workers had caught up.
func (s *Server) FinishPropagation() {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.propagation.pending))
	for id := range s.propagation.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		job := s.propagation.pending[id]
		job.timer.Stop()
		delete(s.propagation.pending, id)
		s.propagate(job.group, job.slug)
	}
}

// stopPropagation drops the pending copies, for Close.
func (s *Server) stopPropagation() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, job := range s.propagation.pending {
		job.timer.Stop()
		delete(s.propagation.pending, id)
	}
}

// propagate is Integrations::PropagateService#execute for the integration
// slug of group g, run with its state when the worker runs
// (PropagateIntegrationWorker finds the record by ID then, and does
// nothing when it is gone):
//
//   - update_inherited_descendant_integrations: every descendant group and
//     every project in g or below whose record inherits from g or from a
//     group above g (Integration.inherited_descendants_from_self_or_ancestors_from)
//     gets g's settings (Propagation::BulkUpdateService);
//   - create_integration_for_groups_without_integration_belonging_to_group
//     and …_for_projects_…: every descendant group and project with no
//     record of the integration gets a copy (Propagation::BulkCreateService).
//
// Both write inherit_from_id as g's own inherit_from_id, or g's record when
// g has its own settings (BulkOperationHashes#integration_hash), and set
// updated_at (and created_at for a new copy) to now. The caller holds s.mu.
func (s *Server) propagate(g *holder, slug string) {
	src := g.records[slug]
	if src == nil {
		return
	}
	from := src.inheritFrom
	if from == nil {
		from = g
	}
	above := map[*holder]bool{g: true}
	for _, a := range s.ancestors(g) {
		above[a] = true
	}
	now := s.now().UTC()
	for _, h := range append(below(&s.groups, g, true), below(&s.projects, g, true)...) {
		rec := h.records[slug]
		switch {
		case rec == nil:
			rec = s.newRecord()
			h.records[slug] = rec
		case rec.inheritFrom == nil || !above[rec.inheritFrom]:
			continue // its own settings, or another group's
		}
		copySettings(rec, src)
		rec.inheritFrom = from
		rec.updated = now
	}
}

// copySettings gives rec the settings of src, as to_database_hash carries
// them: the active flag, the event flags and every property, secrets
// included.
func copySettings(rec, src *record) {
	rec.active = src.active
	rec.events = make(map[string]bool, len(src.events))
	for k, v := range src.events {
		rec.events[k] = v
	}
	rec.values = make(map[string]any, len(src.values))
	for k, v := range src.values {
		if list, ok := v.([]string); ok {
			v = slices.Clone(list)
		}
		rec.values[k] = v
	}
}

// defaultIntegration is Integration.default_integration without an
// instance level: the nearest group above h whose record of slug has its
// own settings (closest_group_integration: inherit_from_id nil, active or
// not), the one use_inherited_settings links to. The caller holds s.mu.
func (s *Server) defaultIntegration(h *holder, slug string) *holder {
	for _, g := range s.ancestors(h) {
		if rec := g.records[slug]; rec != nil && rec.inheritFrom == nil {
			return g
		}
	}
	return nil
}

// ResetIntegration plays the Reset button of a group's integration page
// (Integrations::Actions#reset): the group's integration is destroyed, and
// with it, through the ON DELETE CASCADE of inherit_from_id, every
// integration below that inherits from it; the projects and subgroups
// with their own settings keep them. It returns an error when there is no
// such group or the group has no such integration.
func (s *Server) ResetIntegration(groupPath, slug string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups.byPath(groupPath)
	if g == nil {
		return fmt.Errorf("integrationstest: no group %q (add it first)", groupPath)
	}
	if g.records[slug] == nil {
		return fmt.Errorf("integrationstest: group %s has no %s integration", groupPath, slug)
	}
	delete(g.records, slug)
	gone := map[*holder]bool{g: true}
	// A copy can only point at a group above it, so walking the groups
	// shallowest first deletes each link of a chain before its followers.
	groups := below(&s.groups, g, true)
	slices.SortFunc(groups, func(a, b *holder) int { return strings.Count(a.path, "/") - strings.Count(b.path, "/") })
	for _, h := range groups {
		if rec := h.records[slug]; rec != nil && gone[rec.inheritFrom] {
			delete(h.records, slug)
			gone[h] = true
		}
	}
	for _, h := range below(&s.projects, g, true) {
		if rec := h.records[slug]; rec != nil && gone[rec.inheritFrom] {
			delete(h.records, slug)
		}
	}
	return nil
}

// inheritDefaults gives a project or group just created the integrations
// of the groups above it, as Projects::CreateService and
// Groups::CreateService do (Integration.create_from_default_integrations →
// create_from_active_default_integrations): for each integration, the
// nearest group above whose integration is active with settings of its
// own is copied, inheriting (build_from_integration). The caller holds
// s.mu.
func (s *Server) inheritDefaults(h *holder) {
	for _, g := range s.ancestors(h) { // nearest first
		for slug, src := range g.records {
			if h.records[slug] != nil || !src.active || src.inheritFrom != nil {
				continue
			}
			if in := s.served[slug]; h.group && (in == nil || !in.info.Group) {
				continue
			}
			rec := s.newRecord()
			copySettings(rec, src)
			rec.inheritFrom = g
			h.records[slug] = rec
		}
	}
}
