package integrationstest

import (
	"bytes"
	"net/http"
)

// The handlers below run with s.mu held (see withHolder).

// list answers GET …/integrations: the active integrations, without
// properties, in the order they were created, not paginated.
func (s *Server) list(w http.ResponseWriter, h *holder) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	for _, slug := range activeRecords(h) {
		in := s.served[slug]
		if in == nil {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		s.renderIntegration(&buf, in, h.records[slug], false)
	}
	buf.WriteByte(']')
	answer(w, http.StatusOK, buf.Bytes())
}

// reachable answers for a slug GitLab does not serve here and reports
// whether the request may go on: an unknown slug fails Grape's check of
// :slug, a project-only integration on a group is "not available".
func reachable(w http.ResponseWriter, h *holder, in *integration) bool {
	if in == nil {
		answerError(w, http.StatusBadRequest, "slug does not have a valid value")
		return false
	}
	if h.group && !in.info.Group {
		answerMessage(w, http.StatusBadRequest, "400 Integration not available")
		return false
	}
	return true
}

// get answers GET …/integrations/:slug.
func (s *Server) get(w http.ResponseWriter, h *holder, slug string, in *integration) {
	if !reachable(w, h, in) {
		return
	}
	rec := h.records[slug]
	if rec == nil {
		answerMessage(w, http.StatusNotFound, "404 Integration Not Found")
		return
	}
	s.answerRecord(w, in, rec)
}

// disable answers DELETE …/integrations/:slug: the integration is turned
// off and its settings reset; its event flags stay as they were.
func (s *Server) disable(w http.ResponseWriter, h *holder, slug string, in *integration) {
	if !reachable(w, h, in) {
		return
	}
	rec := h.records[slug]
	if rec == nil {
		answerMessage(w, http.StatusNotFound, "404 Integration Not Found")
		return
	}
	if slug == "jira-cloud-app" {
		answerMessage(w, http.StatusUnprocessableEntity, "You cannot disable the "+in.info.Title+" integration from the API")
		return
	}
	// GitLab resets the fields and turns the integration off, leaving
	// inherit_from_id as it was: an inheriting project stays linked.
	rec.active = false
	rec.values = map[string]any{}
	rec.updated = s.now().UTC()
	if h.group {
		s.schedulePropagation(h, slug)
	}
	w.WriteHeader(http.StatusNoContent)
}

// set answers PUT …/integrations/:slug.
func (s *Server) set(w http.ResponseWriter, r *http.Request, body []byte, h *holder, in *integration) {
	params, err := readParams(r.Header.Get("Content-Type"), r.URL.Query(), body)
	if err != nil {
		answerError(w, http.StatusBadRequest, err.Error())
		return
	}
	acc, grapeErr, modelErr := validate(in.info, params)
	if grapeErr != "" {
		answerError(w, http.StatusBadRequest, grapeErr)
		return
	}
	if h.group && !in.info.Group {
		answerMessage(w, http.StatusBadRequest, "400 Integration not available")
		return
	}
	slug := in.info.Slug
	rec := h.records[slug]
	if rec == nil && appIntegrations[slug] {
		answerMessage(w, http.StatusUnprocessableEntity, "You cannot create the "+in.info.Title+" integration from the API")
		return
	}
	// Integrations::UpdateService: use_inherited_settings true, or left
	// out while the integration inherits, links it to the nearest group
	// with settings of its own; false, or left out otherwise, saves the
	// values sent as its own (inherit.go has the rest).
	inherit := rec != nil && rec.inheritFrom != nil
	if acc.inherit != nil {
		inherit = *acc.inherit
	}
	var source *holder
	if inherit {
		source = s.defaultIntegration(h, slug)
		if source == nil {
			answerMessage(w, http.StatusBadRequest, "Default integration not found.")
			return
		}
	} else if modelErr != "" {
		answerMessage(w, http.StatusBadRequest, modelErr)
		return
	}
	if rec == nil {
		rec = s.newRecord()
		h.records[slug] = rec
	}
	rec.inheritFrom = source
	switch {
	case source == nil:
		apply(rec, acc.values)
		if !appIntegrations[slug] {
			rec.active = true
		}
	case !h.group:
		// handle_inherited_settings copies the default's settings to a
		// project at once (Propagation::BulkUpdateService); a group is only
		// linked, its settings left as they were until the next copy.
		copySettings(rec, source.records[slug])
	}
	rec.updated = s.now().UTC()
	if h.group {
		s.schedulePropagation(h, slug)
	}
	s.answerRecord(w, in, rec)
}

// apply stores accepted values: top-level flags in events (a null leaves
// a flag as it is), everything else in values (a null clears it).
func apply(rec *record, values map[string]any) {
	for name, v := range values {
		if isResponseFlag(name) {
			if b, ok := v.(bool); ok {
				rec.events[name] = b
			}
			continue
		}
		if v == nil {
			delete(rec.values, name)
			continue
		}
		rec.values[name] = v
	}
}

// answerRecord writes 200 with the full integration entity.
func (s *Server) answerRecord(w http.ResponseWriter, in *integration, rec *record) {
	var buf bytes.Buffer
	s.renderIntegration(&buf, in, rec, true)
	answer(w, http.StatusOK, buf.Bytes())
}
