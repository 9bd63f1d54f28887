package integrationstest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// The slash command triggers GitLab serves, by the path segment below a
// project's integrations (the slug with underscores, as GitLab routes it):
// the integration whose token the command must carry.
var triggerSlugs = map[string]string{
	"mattermost_slash_commands": "mattermost-slash-commands",
	"slack_slash_commands":      "slack-slash-commands",
}

// SetSlackAppVerificationToken sets the verification token of the
// instance's GitLab for Slack app, which POST /api/v4/slack/trigger checks
// a command's token against. Until it is set, the app is not configured and
// that trigger answers 404, as GitLab does.
func (s *Server) SetSlackAppVerificationToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slackAppToken = token
}

// trigger answers the slash command triggers, rest being the path below
// /api/v4/, and reports whether rest was one:
//
//	POST /api/v4/projects/:id/integrations/mattermost_slash_commands/trigger
//	POST /api/v4/projects/:id/integrations/slack_slash_commands/trigger
//	     (only with WithRemovedIntegrations: GitLab 19.0 removed it)
//	the same below /api/v4/projects/:id/services (the legacy alias)
//	POST /api/v4/slack/trigger
//
// As on GitLab, they take no access token: the command's token is the
// authentication. The server has no chat users, so a command that passes
// gets GitLab's answer for a chat user who has not connected a GitLab
// account: an ephemeral message with the link to connect it.
func (s *Server) trigger(w http.ResponseWriter, r *http.Request, rest string, body []byte) bool {
	if rest == "slack/trigger" {
		if r.Method != http.MethodPost {
			notAllowed(w, "POST")
			return true
		}
		s.slackAppTrigger(w, r, body)
		return true
	}
	segs := strings.Split(rest, "/")
	if len(segs) != 5 || segs[0] != "projects" || segs[4] != "trigger" ||
		(segs[2] != "integrations" && segs[2] != "services") || (s.cfg.legacy && segs[2] == "integrations") {
		return false
	}
	slug, ok := triggerSlugs[segs[3]]
	if !ok || s.served[slug] == nil {
		return false // no such route: GitLab's router answers 404
	}
	if r.Method != http.MethodPost {
		notAllowed(w, "POST")
		return true
	}
	ref, err := url.PathUnescape(segs[1])
	if err != nil || ref == "" {
		routeNotFound(w)
		return true
	}
	params, err := commandParams(r, body)
	if err != nil {
		answerError(w, http.StatusBadRequest, errMalformedBody)
		return true
	}
	token, ok := params["token"]
	if !ok {
		answerError(w, http.StatusBadRequest, "token is missing")
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// GitLab answers the same 404 when the project does not exist, "not
	// accurate, but done to prevent leakage of the project names".
	h := s.projects.find(ref)
	if h == nil {
		answerMessage(w, http.StatusNotFound, "404 Integration Not Found")
		return true
	}
	rec := h.records[slug]
	if rec == nil || !rec.active {
		answerMessage(w, http.StatusNotFound, "404 Integration Not Found")
		return true
	}
	_, values := s.effective(slug, rec)
	if saved, _ := values["token"].(string); saved != token {
		answerMessage(w, http.StatusNotFound, "404 Integration Not Found")
		return true
	}
	s.connectAccount(w, params)
	return true
}

// slackAppTrigger is POST /api/v4/slack/trigger, the GitLab for Slack
// app's global command: text is required; the token must be the app's
// verification token (SetSlackAppVerificationToken), else 404.
func (s *Server) slackAppTrigger(w http.ResponseWriter, r *http.Request, body []byte) {
	params, err := commandParams(r, body)
	if err != nil {
		answerError(w, http.StatusBadRequest, errMalformedBody)
		return
	}
	if _, ok := params["text"]; !ok {
		answerError(w, http.StatusBadRequest, "text is missing")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slackAppToken == "" || params["token"] != s.slackAppToken {
		answerMessage(w, http.StatusNotFound, "404 Not Found")
		return
	}
	s.connectAccount(w, params)
}

// connectAccount is GitLab's answer to a command from a chat user with no
// GitLab account connected: a link to connect one. The caller holds s.mu.
func (s *Server) connectAccount(w http.ResponseWriter, params map[string]string) {
	link := s.url + "/-/profile/chat_names/new?" + url.Values{
		"team_id": {params["team_id"]}, "user_id": {params["user_id"]}, "user_name": {params["user_name"]},
	}.Encode()
	var buf bytes.Buffer
	buf.WriteString(`{"response_type":"ephemeral","status":200,"text":`)
	writeJSON(&buf, ":wave: Hi there! Before I do anything for you, please [connect your GitLab account]("+link+").")
	buf.WriteByte('}')
	answer(w, http.StatusOK, buf.Bytes())
}

// commandParams reads a command's parameters: a JSON object (what the SDK
// sends) or a form (what Slack and Mattermost send), string values only.
func commandParams(r *http.Request, body []byte) (map[string]string, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	out := map[string]string{}
	if ct == "application/json" {
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			return nil, err
		}
		for k, v := range doc {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
		return out, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	for k := range form {
		out[k] = form.Get(k)
	}
	return out, nil
}
