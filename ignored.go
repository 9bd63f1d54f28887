package integrations

// ignoredSetter is implemented by every options struct: it names the
// parameters set in it that current GitLab ignores.
type ignoredSetter interface{ ignoredSet() []string }

// ignoredIn returns the API names of the parameters set in the options o
// that current GitLab ignores, for Set's warning.
func ignoredIn(o any) []string {
	if ig, ok := o.(ignoredSetter); ok {
		return ig.ignoredSet()
	}
	return nil
}

// warner is implemented by every generated options struct: warnings
// returns what Set logs before sending (rules.go).
type warner interface {
	warnings() []string
}

// warningsIn returns the warnings of o, nil for a type without any.
func warningsIn(o any) []string {
	if w, ok := o.(warner); ok {
		return w.warnings()
	}
	return nil
}
