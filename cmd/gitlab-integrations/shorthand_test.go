package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every --project is also -p, every --group -g, on every command.
func TestScopeShorthands(t *testing.T) {
	want := map[string]string{"project": "p", "group": "g"}
	found := 0
	walkCommands(newRootCmd(&rootOptions{}), func(cmd *cobra.Command) {
		for name, short := range want {
			if f := cmd.Flags().Lookup(name); f != nil {
				found++
				if f.Shorthand != short {
					t.Errorf("%s --%s: shorthand %q, want -%s", cmd.CommandPath(), name, f.Shorthand, short)
				}
			}
		}
	})
	if found < 10 {
		t.Errorf("only %d --project and --group flags found", found)
	}

	srv := newServer(t, "acme/web")
	e := append(env(srv), "HOOK="+sentinel)
	cli(t, e, "set", "mattermost", "-g", "acme", "-q", "webhook=${env:HOOK}").ok(t)
	cli(t, e, "set", "slack", "-p", "acme/web", "-q", "webhook=${env:HOOK}").ok(t)
	list := decodeJSON[[]listEntry](t, cli(t, e, "list", "-p", "acme/web", "-o", "json").ok(t).stdout)
	// The group's Mattermost reaches acme/web as GitLab propagates it.
	if len(list) != 2 || list[0].Integration != "mattermost" || !list[0].Inherited || list[1].Integration != "slack" || list[1].Inherited {
		t.Errorf("list -p acme/web: %+v", list)
	}
	if out := cli(t, e, "get", "mattermost", "-g", "acme", "-o", "json").ok(t).stdout; !strings.Contains(out, `"scope": "group:acme"`) {
		t.Errorf("get -g acme:\n%s", out)
	}
	if out := cli(t, e, "export", "-p", "acme/web", "-g", "acme").ok(t).stdout; !strings.Contains(out, "acme/web") || !strings.Contains(out, "mattermost") {
		t.Errorf("export -p -g:\n%s", out)
	}
	cli(t, e, "disable", "slack", "-p", "acme/web", "-q").ok(t)
}
