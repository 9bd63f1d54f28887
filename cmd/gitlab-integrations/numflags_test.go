package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// argsFor are the arguments a command needs before its flags are checked
// (cobra checks arguments first).
var argsFor = map[string][]string{
	"set":     {"slack", "channel=#x"},
	"disable": {"slack"},
	"inherit": {"slack"},
}

// Every numeric flag of every command, found through cobra so that a flag
// added later is covered, refuses a value out of its range: exit 1, an
// error naming the flag, nothing sent.
func TestNumericFlagsValidated(t *testing.T) {
	srv := newServer(t, "acme/web")
	e := env(srv)
	type row struct {
		args  []string
		value string
	}
	var rows []row
	checked := map[string]bool{}
	walkCommands(newRootCmd(&rootOptions{}), func(cmd *cobra.Command) {
		path := strings.Fields(cmd.CommandPath())[1:]
		cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
			var bad []string
			switch f.Value.Type() {
			case "duration":
				bad = []string{"-5s"}
			case "int", "int64", "int32", "uint", "float64", "float32":
				bad = []string{"-5"}
				if b, ok := numericBounds[f.Name]; ok {
					if b.min > 0 {
						bad = append(bad, strconv.FormatFloat(b.min-1, 'g', -1, 64))
					}
					if b.max >= b.min {
						bad = append(bad, strconv.FormatFloat(b.max+1, 'g', -1, 64))
					}
				}
			default:
				return
			}
			checked[f.Name] = true
			args := append(append([]string{}, path...), argsFor[cmd.Name()]...)
			if len(path) == 0 || !cmd.Runnable() {
				// A flag of every command (--rate-limit): on list.
				args = []string{"list", "-p", "acme/web"}
			}
			for _, v := range bad {
				rows = append(rows, row{append(append([]string{}, args...), "--"+f.Name+"="+v), "--" + f.Name + " " + v + ": give"})
			}
		})
	})
	// The forms people type.
	rows = append(rows,
		row{[]string{"list", "-p", "acme/web", "--rate-limit", "-5"}, "--rate-limit -5: give a number of requests a second"},
		row{[]string{"plan", "-f", "spec.yaml", "--concurrency", "0"}, "--concurrency 0: give a number of requests at once from 1 to 1000"},
		row{[]string{"fake", "--latency", "-20ms"}, "--latency -20ms: give a duration of 0 or more"},
	)
	for _, name := range []string{"rate-limit", "concurrency", "throttle", "latency", "fail-every", "fail-status", "request-log", "to"} {
		if !checked[name] {
			t.Errorf("--%s was not found among the numeric flags", name)
		}
	}
	for _, r := range rows {
		t.Run(strings.Join(r.args, " "), func(t *testing.T) {
			cli(t, e, r.args...).fails(t, 1, r.value)
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("refused flags sent %d requests", n)
	}
	t.Logf("%d numeric flag values refused", len(rows))
}
