package integrationstest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gitlabkit/integrations/internal/jsonquote"
)

// gitlabTime is how GitLab's API writes times: UTC with milliseconds.
const gitlabTime = "2006-01-02T15:04:05.000Z07:00"

// renderIntegration writes GitLab's integration entity, its fields in
// GitLab's order; withProperties adds "properties" (GET and PUT do, the
// list does not). The caller holds s.mu.
func (s *Server) renderIntegration(buf *bytes.Buffer, in *integration, r *record, withProperties bool) {
	events, values := s.effective(in.info.Slug, r)
	buf.WriteString(`{"id":`)
	buf.WriteString(strconv.FormatInt(r.id, 10))
	buf.WriteString(`,"title":`)
	writeJSON(buf, in.info.Title)
	buf.WriteString(`,"slug":`)
	writeJSON(buf, in.info.Slug)
	buf.WriteString(`,"created_at":`)
	writeJSON(buf, r.created.Format(gitlabTime))
	buf.WriteString(`,"updated_at":`)
	writeJSON(buf, r.updated.Format(gitlabTime))
	buf.WriteString(`,"active":`)
	buf.WriteString(strconv.FormatBool(r.active))
	for _, f := range responseFlags {
		if f.name == "vulnerability_events" {
			// GitLab EE puts it after "inherited".
			continue
		}
		buf.WriteString(`,"` + f.name + `":`)
		buf.WriteString(strconv.FormatBool(events[f.name]))
	}
	buf.WriteString(`,"inherited":`)
	buf.WriteString(strconv.FormatBool(r.inheritFrom != nil))
	buf.WriteString(`,"vulnerability_events":`)
	buf.WriteString(strconv.FormatBool(events["vulnerability_events"]))
	if withProperties {
		buf.WriteString(`,"properties":{`)
		first := true
		for _, p := range in.info.Parameters {
			if !p.Returned || p.Ignored {
				continue
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			writeJSON(buf, p.Name)
			buf.WriteByte(':')
			if isResponseFlag(p.Name) {
				buf.WriteString(strconv.FormatBool(events[p.Name]))
				continue
			}
			v, ok := values[p.Name]
			if !ok {
				buf.WriteString("null")
				continue
			}
			writeJSON(buf, v)
		}
		buf.WriteByte('}')
	}
	buf.WriteByte('}')
}

// writeJSON appends v as JSON, as encoding/json writes it. The values the
// server stores are strings, booleans, integers and lists of strings, which
// are written here directly: json.Marshal costs a reflective walk and a copy
// for each value, which made rendering the server's largest cost in a
// benchmark. Any other type goes through json.Marshal.
func writeJSON(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case string:
		writeJSONString(buf, v)
		return
	case bool:
		buf.WriteString(strconv.FormatBool(v))
		return
	case int64:
		var b [20]byte
		buf.Write(strconv.AppendInt(b[:0], v, 10))
		return
	case []string:
		if v == nil {
			buf.WriteString("null")
			return
		}
		buf.WriteByte('[')
		for i, s := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, s)
		}
		buf.WriteByte(']')
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		buf.WriteString("null")
		return
	}
	buf.Write(b)
}

// writeJSONString writes s as a JSON string exactly as encoding/json does
// (see jsonquote).
func writeJSONString(buf *bytes.Buffer, s string) {
	buf.Write(jsonquote.Append(buf.AvailableBuffer(), s))
}

// answer writes a JSON body with a status.
func answer(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// answerMessage writes GitLab's {"message": "..."} body, the shape its
// handlers use.
func answerMessage(w http.ResponseWriter, status int, msg string) {
	var buf bytes.Buffer
	buf.WriteString(`{"message":`)
	writeJSON(&buf, msg)
	buf.WriteByte('}')
	answer(w, status, buf.Bytes())
}

// answerError writes Grape's {"error": "..."} body, the shape of parameter
// validation and routing errors.
func answerError(w http.ResponseWriter, status int, msg string) {
	var buf bytes.Buffer
	buf.WriteString(`{"error":`)
	writeJSON(&buf, msg)
	buf.WriteByte('}')
	answer(w, status, buf.Bytes())
}

// routeNotFound is GitLab's answer to a path no route matches.
func routeNotFound(w http.ResponseWriter) { answerError(w, http.StatusNotFound, "404 Not Found") }

// stamp is the time format of RateLimit-ResetTime, an HTTP date.
func stamp(t time.Time) string { return t.UTC().Format(http.TimeFormat) }
