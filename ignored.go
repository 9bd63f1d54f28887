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
