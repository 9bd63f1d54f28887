package main

import (
	"encoding/json"
	"testing"
)

// set on a project that inherits its group's integration gives it the
// values as settings of its own: without use_inherited_settings=false
// GitLab would keep it inheriting and ignore them.
func TestSetGivesSettingsOfItsOwn(t *testing.T) {
	srv := newServer(t, "acme/web")
	e := append(env(srv), "HOOK="+sentinel)
	cli(t, e, "set", "slack", "-g", "acme", "-q", "webhook=${env:HOOK}", "channel=#acme").ok(t)
	before := decodeJSON[settingsView](t, cli(t, e, "get", "slack", "-p", "acme/web", "-o", "json").ok(t).stdout)
	if !before.Inherited {
		t.Fatalf("acme/web does not inherit the group's Slack: %+v", before)
	}
	srv.ResetRequests()
	got := decodeJSON[settingsView](t, cli(t, e, "set", "slack", "-p", "acme/web", "-q", "-o", "json", "webhook=${env:HOOK}", "channel=#web").ok(t).stdout)
	if got.Inherited || got.Properties["channel"] != "#web" {
		t.Errorf("after set: %+v", got)
	}
	var body map[string]any
	for _, r := range srv.Requests() {
		if r.Method == "PUT" {
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if body["use_inherited_settings"] != false || body["channel"] != "#web" {
		t.Errorf("sent %v", body)
	}

	// Given explicitly, use_inherited_settings is sent as given.
	srv.ResetRequests()
	back := decodeJSON[settingsView](t, cli(t, e, "set", "slack", "-p", "acme/web", "-q", "-o", "json", "webhook=${env:HOOK}", "use_inherited_settings=true").ok(t).stdout)
	if !back.Inherited || back.Properties["channel"] != "#acme" {
		t.Errorf("after use_inherited_settings=true: %+v", back)
	}
}
