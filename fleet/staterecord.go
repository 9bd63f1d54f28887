package fleet

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gitlabkit/integrations"
)

// observation is what a plan last read of one integration on one scope:
// the updated_at and the top-level flags its Get reported, and the
// non-secret values of the parameters the spec managed then (never a
// secret: the catalog's secret parameters are never recorded, and GitLab
// never reports them). A later plan whose List entry shows the same
// updated_at and flags compares with it instead of reading the
// integration again.
//
// A record is made only when it is settled: its updated_at lies in an
// earlier second than the Date of the List answered before the Get was
// sent. GitLab writes updated_at with milliseconds (a server writing only
// seconds works the same way): every later change of the integration gets
// an updated_at at or after the Get reached GitLab, so in a later
// millisecond than the recorded one, and can never show the recorded
// updated_at. A change in the same millisecond (or second) as the read,
// which could, is ruled out by the rule: such a read is not recorded, and
// the next plan reads the integration again. Apply records nothing of
// what it writes, for the same reason (the answer to its own write is
// always in the same millisecond as the write), and forgets the record of
// every integration it changes.
type observation struct {
	// UpdatedAt is the integration's updated_at, RFC 3339 with the
	// server's precision.
	UpdatedAt string `json:"updated_at"`
	// Flags holds active, inherited and each event flag as 0 or 1, in
	// flagOrder's order.
	Flags string `json:"flags"`
	// Values holds each compared parameter GitLab reported, as JSON.
	Values map[string]json.RawMessage `json:"values,omitempty"`
	// Absent names the compared parameters GitLab did not report.
	Absent []string `json:"absent,omitempty"`
}

// flagsOf writes an integration's active and inherited state and its event
// flags as one short string, the way observation.Flags holds them.
func flagsOf(it *integrations.Integration) string {
	b := make([]byte, 0, 18)
	for _, v := range []bool{it.Active, it.Inherited, it.CommitEvents, it.PushEvents, it.IssuesEvents,
		it.IncidentEvents, it.AlertEvents, it.ConfidentialIssuesEvents, it.MergeRequestsEvents,
		it.TagPushEvents, it.DeploymentEvents, it.NoteEvents, it.ConfidentialNoteEvents,
		it.PipelineEvents, it.WikiPageEvents, it.JobEvents, it.VulnerabilityEvents, it.CommentOnEventEnabled} {
		if v {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	}
	return string(b)
}

// timeText is how a record holds updated_at: UTC, every digit the server
// gave.
func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// settled reports whether a Get answered after a List whose answer was
// dated listDate can be trusted to hold the last change of an integration
// last updated at updatedAt: updatedAt is in an earlier second than the
// List's Date (HTTP dates have seconds), so every later change is in a
// later millisecond. A missing Date settles nothing.
func settled(updatedAt, listDate time.Time) bool {
	return !listDate.IsZero() && !updatedAt.IsZero() && updatedAt.Before(listDate.Truncate(time.Second))
}

// answerDate returns the Date header of an answer, zero when there is none
// or it does not parse.
func answerDate(resp *http.Response) time.Time {
	if resp == nil {
		return time.Time{}
	}
	t, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return t
}

// observe makes the record of a Get's answer for the compared parameters
// names (secrets are left out whatever names holds).
func observe(info integrations.IntegrationInfo, st *integrations.Settings[integrations.Values], names []string) *observation {
	o := &observation{UpdatedAt: timeText(st.UpdatedAt), Flags: flagsOf(&st.Integration)}
	for _, name := range names {
		p, ok := info.Parameter(name)
		if !ok || p.Secret {
			continue
		}
		v, ok := st.Properties[name]
		if !ok {
			o.Absent = append(o.Absent, name)
			continue
		}
		data, err := json.Marshal(v)
		if err != nil {
			return nil // not a value a record can hold: read it next time
		}
		if o.Values == nil {
			o.Values = map[string]json.RawMessage{}
		}
		o.Values[name] = data
	}
	return o
}

// settings returns the Get answer the record stands for, for a List entry
// that shows the recorded updated_at and flags, and false when the record
// cannot stand for it: another updated_at or flags, a parameter the spec
// manages now that was not compared then, or a value that does not decode.
// An inheriting integration is never taken from a record (a plan does not
// read its settings, and GitLab's propagation from the group may change
// them without a trace in the project's updated_at).
func (o *observation) settings(info integrations.IntegrationInfo, listed *integrations.Integration, names []string) (*integrations.Settings[integrations.Values], bool) {
	if o == nil || listed == nil || listed.Inherited || !listed.Active ||
		o.UpdatedAt != timeText(listed.UpdatedAt) || o.Flags != flagsOf(listed) {
		return nil, false
	}
	st := &integrations.Settings[integrations.Values]{Integration: *listed, Properties: integrations.Values{}}
	for _, name := range names {
		p, ok := info.Parameter(name)
		if !ok || p.Secret {
			continue
		}
		raw, ok := o.Values[name]
		if !ok {
			if !containsString(o.Absent, name) {
				return nil, false
			}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		st.Properties[name] = v
	}
	return st, true
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// observationsFor returns the records of one GitLab, scope and
// integration.
func (st *stateFile) observed(gitlab, scope, slug string) *observation {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.Observed[gitlab][strings.ToLower(scope)][slug]
}

// observe records (nil: forgets) what was read of one integration, for
// save to merge into the file.
func (st *stateFile) observe(gitlab, scope, slug string, o *observation) {
	scope = strings.ToLower(scope)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.obsChanges == nil {
		st.obsChanges = map[string]map[string]map[string]*observation{}
	}
	if st.obsChanges[gitlab] == nil {
		st.obsChanges[gitlab] = map[string]map[string]*observation{}
	}
	if st.obsChanges[gitlab][scope] == nil {
		st.obsChanges[gitlab][scope] = map[string]*observation{}
	}
	st.obsChanges[gitlab][scope][slug] = o
}

// forget drops the record of an integration that is about to change, when
// there is one.
func (st *stateFile) forget(gitlab, scope, slug string) {
	if st.observed(gitlab, scope, slug) != nil {
		st.observe(gitlab, scope, slug, nil)
	}
}

// mergeObserved applies this run's records to those on disk.
func mergeObserved(disk, changes map[string]map[string]map[string]*observation) map[string]map[string]map[string]*observation {
	if disk == nil {
		disk = map[string]map[string]map[string]*observation{}
	}
	for gitlab, scopes := range changes {
		for scope, slugs := range scopes {
			for slug, o := range slugs {
				if o == nil {
					delete(disk[gitlab][scope], slug)
					if len(disk[gitlab][scope]) == 0 {
						delete(disk[gitlab], scope)
					}
					if len(disk[gitlab]) == 0 {
						delete(disk, gitlab)
					}
					continue
				}
				if disk[gitlab] == nil {
					disk[gitlab] = map[string]map[string]*observation{}
				}
				if disk[gitlab][scope] == nil {
					disk[gitlab][scope] = map[string]*observation{}
				}
				disk[gitlab][scope][slug] = o
			}
		}
	}
	if len(disk) == 0 {
		return nil
	}
	return disk
}

// forgetChanges drops the records of the integrations an apply is about
// to change: what GitLab holds after a write is read by the next plan.
func (st *stateFile) forgetChanges(gitlab string, todo []*Change) {
	for _, ch := range todo {
		st.forget(gitlab, ch.scopeText(), ch.Integration)
	}
}
