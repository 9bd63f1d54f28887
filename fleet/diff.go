package fleet

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations"
)

// secretShown stands for a secret's value everywhere a value would be shown.
const secretShown = "(secret)"

// inheritedShown stands for a value the plan did not read because the
// integration uses the settings of the group above.
const inheritedShown = "(inherited)"

// wantedIntegration is what the merged targets want for one integration on
// one scope.
type wantedIntegration struct {
	state  State
	params map[string]any
	notes  []string
	// fresh holds the secrets marked new (Desired.NewSecrets).
	fresh map[string]bool

	// creates, when set, is shared by every place of one target that
	// wants the integration from that target alone (see firstMerge): the
	// fields and values of their creates are the same, made once.
	creates *sharedCreate
	// shared is true while params (and the place's set map for the
	// integration) are those of firstMerge, shared with the target's other
	// places: merge copies them before changing them.
	shared bool
}

// observed is what GitLab reported for one integration on one scope:
// listed is its entry in the List (nil when not active), settings the Get
// (nil when not read).
type observed struct {
	listed   *integrations.Integration
	settings *integrations.Settings[integrations.Values]
}

// secretCheck tells whether a secret's current value differs from the one
// last sent, by the recorded fingerprint: known is false when no
// fingerprint is recorded or the value cannot be resolved (with a note).
type secretCheck func(param string, value any) (changed, known bool, note string)

// diffOne decides the change for one integration on one scope. It is a
// pure function of the catalog entry, what is wanted and what GitLab
// reported; resolve turns a non-secret value holding references into the
// value to compare.
func diffOne(info integrations.IntegrationInfo, w wantedIntegration, o observed, resolve func(any) (any, error), secrets secretCheck) (Change, error) {
	ch := Change{Integration: info.Slug, Notes: append([]string(nil), w.notes...)}
	active := o.listed != nil && o.listed.Active
	inherited := active && o.listed.Inherited
	if o.listed != nil {
		ch.UpdatedAt = o.listed.UpdatedAt
	}
	if o.settings != nil {
		ch.UpdatedAt = o.settings.UpdatedAt
	}
	switch w.state {
	case Absent:
		if active {
			ch.Action = Disable
			if inherited {
				ch.Notes = append(ch.Notes, "it uses the group's settings now; disabling stops that")
			}
			if info.Slug == "jira-cloud-app" {
				ch.Notes = append(ch.Notes, "GitLab refuses to disable "+info.Title+" through the API (422): unlink it in the app")
			}
		} else {
			ch.Action = NoOp
		}
		return ch, nil
	case Inherit:
		if inherited {
			ch.Action = NoOp
			return ch, nil
		}
		ch.Action = InheritAction
		ch.Send = map[string]any{"use_inherited_settings": true}
		for _, p := range info.Parameters {
			// GitLab checks that required parameters are present even
			// when it then takes the group's values instead.
			if p.Required && !p.Ignored {
				ch.Send[p.Name] = placeholder(p)
			}
		}
		ch.Notes = append(ch.Notes, "uses the settings of the nearest group above that has it (GitLab answers \"Default integration not found\" when none has)")
		return ch, nil
	}

	names := paramOrder(info, w.params)
	ch.Send = map[string]any{}
	switch {
	case !active && w.creates != nil && len(w.notes) == 0 && !isApp(info.Slug):
		ch.Action = Create
		ch.Fields, ch.Send, ch.Notes = w.creates.get(info, w)
		return ch, nil
	case !active:
		ch.Action = Create
		if o.listed == nil && isApp(info.Slug) {
			ch.Notes = append(ch.Notes, info.Title+" cannot be created through the API: install the app first, then plan again")
		}
		for _, name := range names {
			p, _ := info.Parameter(name)
			ch.Send[name] = w.params[name]
			ch.Fields = append(ch.Fields, FieldChange{Name: name, From: nil, To: shown(p, w.params[name]), Secret: p.Secret})
		}
		ch.Notes = append(ch.Notes, unverifiableNotes(info, names, nil)...)
		ch.Notes = append(ch.Notes, warningNotes(info, ch.Send)...)
		ownSettings(info, ch.Send)
		return ch, nil
	case inherited:
		ch.Action = Update
		ch.Notes = append(ch.Notes, "stops using the group's settings (use_inherited_settings: false); every managed parameter is sent")
		ch.Send["use_inherited_settings"] = false
		for _, name := range names {
			p, _ := info.Parameter(name)
			ch.Send[name] = w.params[name]
			ch.Fields = append(ch.Fields, FieldChange{Name: name, From: inheritedShown, To: shown(p, w.params[name]), Secret: p.Secret})
		}
		ch.Notes = append(ch.Notes, warningNotes(info, ch.Send)...)
		return ch, nil
	}

	// Active with its own settings: compare field by field.
	var always []string
	for _, name := range names {
		p, _ := info.Parameter(name)
		want := w.params[name]
		if p.Secret {
			always = append(always, name)
			var changed, known bool
			if secrets != nil {
				var note string
				changed, known, note = secrets(name, want)
				if note != "" {
					ch.Notes = append(ch.Notes, note)
				}
			}
			switch {
			case changed:
				ch.Fields = append(ch.Fields, FieldChange{Name: name, From: secretShown, To: secretShown, Secret: true})
				ch.Notes = append(ch.Notes, name+": (secret changed) since the last apply recorded in the state file")
			case w.fresh[name] && !known:
				ch.Fields = append(ch.Fields, FieldChange{Name: name, From: secretShown, To: secretShown, Secret: true})
				if secrets == nil {
					ch.Notes = append(ch.Notes, name+": (new secret) marked "+newSecretTag+": without a state file every plan sends it again (plan and apply with --state FILE to record it)")
				} else {
					ch.Notes = append(ch.Notes, name+": (new secret) marked "+newSecretTag+" and not yet recorded in the state file")
				}
			}
			continue
		}
		cur, ok := reported(p, o.settings)
		if !ok || p.Ignored {
			always = append(always, name)
			continue
		}
		if p.Required {
			always = append(always, name)
		}
		cmp := want
		if hasRefs(want) || isRefList(want) || hasEscapes(want) {
			v, err := resolve(want)
			if err != nil {
				// Not resolvable here (the apply job may have it): the
				// value cannot be compared, so it is sent, and the plan
				// lists the reference as unresolved.
				ch.Fields = append(ch.Fields, FieldChange{Name: name, From: cur, To: want})
				ch.Send[name] = want
				ch.Notes = append(ch.Notes, name+": not compared: its reference cannot be resolved here")
				continue
			}
			cmp = v
		}
		if !equalValues(p, cur, cmp) {
			ch.Fields = append(ch.Fields, FieldChange{Name: name, From: cur, To: want})
			ch.Send[name] = want
		}
	}
	ch.Notes = append(ch.Notes, unverifiableNotes(info, names, o.settings)...)
	if len(ch.Fields) == 0 {
		ch.Action = NoOp
		ch.Send = nil
		return ch, nil
	}
	ch.Action = Update
	for _, name := range always {
		// Secrets and required parameters go on every update (GitLab
		// requires them); values GitLab never reports go too, since the
		// plan cannot tell whether they hold.
		ch.Send[name] = w.params[name]
	}
	ch.Notes = append(ch.Notes, warningNotes(info, ch.Send)...)
	return ch, nil
}

// unverifiableNotes names the managed parameters whose value the plan
// cannot compare: flags GitLab accepts but never reports, and parameters
// current GitLab ignores.
func unverifiableNotes(info integrations.IntegrationInfo, names []string, st *integrations.Settings[integrations.Values]) []string {
	var never, ignored []string
	for _, name := range names {
		p, _ := info.Parameter(name)
		switch {
		case p.Secret:
		case p.Ignored:
			ignored = append(ignored, name)
		case !reportable(p, st):
			never = append(never, name)
		}
	}
	var out []string
	if len(never) > 0 {
		out = append(out, strings.Join(never, ", ")+": cannot be verified (GitLab accepts it but never reports it); sent with every change")
	}
	if len(ignored) > 0 {
		out = append(out, strings.Join(ignored, ", ")+": cannot be verified (current GitLab ignores it; older servers may not); sent with every change")
	}
	return out
}

// reportable says whether GitLab reports a parameter's value: a flag of
// the integration's top-level fields, or a property it returns (and, when
// st is given, did return).
func reportable(p integrations.ParameterInfo, st *integrations.Settings[integrations.Values]) bool {
	if p.Ignored || p.Secret {
		return false
	}
	if _, ok := topLevelFlag(p.Name, nil); ok && (p.Event || p.Name == "comment_on_event_enabled") {
		return true
	}
	if !p.Returned {
		return false
	}
	if st == nil {
		return true
	}
	_, ok := st.Properties[p.Name]
	return ok
}

// reported returns a parameter's current value as GitLab reported it, and
// false when GitLab does not report it.
func reported(p integrations.ParameterInfo, st *integrations.Settings[integrations.Values]) (any, bool) {
	if st == nil || !reportable(p, st) {
		return nil, false
	}
	if v, ok := topLevelFlag(p.Name, &st.Integration); ok && (p.Event || p.Name == "comment_on_event_enabled") {
		return v, true
	}
	v, ok := st.Properties[p.Name]
	return v, ok
}

// topLevelFlag returns a flag GitLab reports beside the properties, and
// whether name is one; with a nil it only answers the second.
func topLevelFlag(name string, it *integrations.Integration) (bool, bool) {
	if it == nil {
		it = &integrations.Integration{}
	}
	switch name {
	case "commit_events":
		return it.CommitEvents, true
	case "push_events":
		return it.PushEvents, true
	case "issues_events":
		return it.IssuesEvents, true
	case "incident_events":
		return it.IncidentEvents, true
	case "alert_events":
		return it.AlertEvents, true
	case "confidential_issues_events":
		return it.ConfidentialIssuesEvents, true
	case "merge_requests_events":
		return it.MergeRequestsEvents, true
	case "tag_push_events":
		return it.TagPushEvents, true
	case "deployment_events":
		return it.DeploymentEvents, true
	case "note_events":
		return it.NoteEvents, true
	case "confidential_note_events":
		return it.ConfidentialNoteEvents, true
	case "pipeline_events":
		return it.PipelineEvents, true
	case "wiki_page_events":
		return it.WikiPageEvents, true
	case "job_events":
		return it.JobEvents, true
	case "vulnerability_events":
		return it.VulnerabilityEvents, true
	case "comment_on_event_enabled":
		return it.CommentOnEventEnabled, true
	}
	return false, false
}

// equalValues compares a reported value with a wanted one the way GitLab
// stores them: a never-set value equals the type's empty value, numbers
// equal their text, and lists (arrays, and strings GitLab reads as
// comma-separated lists) compare as sets of trimmed items.
func equalValues(p integrations.ParameterInfo, cur, want any) bool {
	switch p.Type {
	case integrations.TypeBoolean:
		a, aok := asBool(cur)
		b, bok := asBool(want)
		return aok && bok && a == b
	case integrations.TypeInteger:
		if cur == nil || want == nil {
			return cur == nil && want == nil
		}
		a, aok := asInt(cur)
		b, bok := asInt(want)
		return aok && bok && a == b
	case integrations.TypeStringList:
		return slices.Equal(listSet(cur), listSet(want))
	}
	if isListLike(p) {
		return slices.Equal(listSet(cur), listSet(want))
	}
	return asString(cur) == asString(want)
}

// isListLike reports whether GitLab reads a string parameter as a list of
// items whose order has no meaning: a comma-separated list of allowed
// values, e-mail recipients, channels and labels.
func isListLike(p integrations.ParameterInfo) bool {
	if p.CommaList {
		return true
	}
	switch p.Name {
	case "recipients", "channel", "labels_to_be_notified", "jira_allowed_statuses_as_string":
		return true
	}
	return strings.HasSuffix(p.Name, "_channel")
}

// listSet splits a list value into its sorted, trimmed, non-empty items.
// Strings split at commas and white space.
func listSet(v any) []string {
	var items []string
	switch x := v.(type) {
	case nil:
	case []string:
		items = append(items, x...)
	case []any:
		for _, e := range x {
			items = append(items, asString(e))
		}
	default:
		items = strings.FieldsFunc(asString(x), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
	}
	out := items[:0:0]
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case nil:
		return false, true
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(x)
		return b, err == nil
	}
	return false, false
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return toInt(v)
}

func asString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func isRefList(v any) bool {
	l, ok := v.([]string)
	return ok && slices.ContainsFunc(l, func(s string) bool { return hasRefs(s) })
}

// shown is how a wanted value appears in a plan: as written (references
// unresolved), or "(secret)".
func shown(p integrations.ParameterInfo, v any) any {
	if p.Secret {
		return secretShown
	}
	return v
}

// ownSettings makes a create's parameters the scope's own settings. A
// group's integration created earlier in the same apply (its wave comes
// first) reaches the scopes below it, which then inherit; GitLab's
// Integrations::UpdateService keeps an inheriting integration inheriting,
// ignoring the values sent, unless use_inherited_settings is false. On a
// scope with no integration yet, false is what GitLab does anyway.
func ownSettings(info integrations.IntegrationInfo, send map[string]any) {
	if _, ok := info.Parameter("use_inherited_settings"); ok {
		send["use_inherited_settings"] = false
	}
}

// placeholderText is sent for a required string parameter when the
// integration is to inherit: GitLab requires the parameter to be present,
// then takes the group's value instead.
const placeholderText = "inherited"

// placeholder is the value sent for a required parameter whose value
// GitLab will not use: an allowed value, or "inherited".
func placeholder(p integrations.ParameterInfo) any {
	switch p.Type {
	case integrations.TypeBoolean:
		return false
	case integrations.TypeInteger:
		if len(p.AllowedValues) > 0 {
			n, _ := strconv.ParseInt(p.AllowedValues[0], 10, 64)
			return n
		}
		return int64(0)
	case integrations.TypeStringList:
		return []string{placeholderText}
	}
	if len(p.AllowedValues) > 0 {
		return p.AllowedValues[0]
	}
	return placeholderText
}

// paramOrder returns the wanted parameters in the catalog's order.
func paramOrder(info integrations.IntegrationInfo, params map[string]any) []string {
	var out []string
	for _, p := range info.Parameters {
		if _, ok := params[p.Name]; ok {
			out = append(out, p.Name)
		}
	}
	return out
}

// isApp reports the two integrations GitLab lets install only from their
// app, never create through the API.
func isApp(slug string) bool {
	return slug == "gitlab-slack-application" || slug == "jira-cloud-app"
}
