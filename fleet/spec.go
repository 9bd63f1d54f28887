package fleet

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gitlabkit/integrations/internal/readfile"
)

// Spec is a desired state for a fleet of GitLab projects and groups: which
// integrations each target has, and with which settings. Read one from YAML
// with ParseSpec or LoadSpec, or build one in Go; NewPlan compares it with
// what GitLab has.
type Spec struct {
	// Version is the spec format's version; 1 is the only one.
	Version int
	// Targets lists where the integrations apply. For the same project (or
	// group) and integration, a later target overrides an earlier one,
	// parameter by parameter.
	Targets []Target
	// File is the name the spec was read from, used in error messages;
	// empty for a spec built in Go.
	File string

	// lines records where each part was written (see key), for messages.
	lines map[string]int
}

// Target names one project, one group, or every project under a group, and
// the integrations it should have. Exactly one of ProjectsIn, Project and
// Group is set.
type Target struct {
	// ProjectsIn is a group's full path, such as "acme": every project
	// under it, those of its subgroups included, archived ones left out.
	ProjectsIn string
	// Include and Exclude are globs on a project's full path for
	// ProjectsIn: "*" matches within one path segment, "**" across "/".
	// With Include, only projects matching one of them are targets; a
	// project matching an Exclude is never one.
	Include []string
	Exclude []string
	// Project is one project, by full path ("acme/web") or numeric ID.
	Project string
	// Group is one group, by full path or numeric ID: its group-level
	// integrations, which its projects can inherit.
	Group string
	// Integrations maps a slug ("slack", "emails-on-push") to what the
	// target should have.
	Integrations map[string]Desired
}

// Desired is what one integration should be on a target.
type Desired struct {
	// State is Present, Absent or Inherit; empty means Present.
	State State
	// Params holds the parameters to manage when State is Present, by API
	// name. A parameter left out is not managed: whatever GitLab has stays.
	// Values are strings, booleans, integers or string lists; any string
	// may be a reference, ${env:NAME} or ${file:PATH}, resolved by NewPlan
	// (to compare, and to list those Apply would not resolve) and by Apply
	// before it sends anything.
	Params map[string]any
	// NewSecrets names secret parameters of Params whose value is new to
	// GitLab (a rotated token, a webhook that replaces an old one; written
	// "!new" before the value in YAML). GitLab never reports a secret, so a
	// secret is otherwise sent only with another change or when the state
	// file's record of it differs: one in NewSecrets is sent unless the
	// state file records this very value, and the plan says so.
	NewSecrets []string
}

// State says whether an integration should be set up, disabled or
// inherited.
type State string

// The states of a Desired integration.
const (
	// Present: set up and active, with the given parameters.
	Present State = "present"
	// Absent: disabled (written "absent" in YAML).
	Absent State = "absent"
	// Inherit: use the settings of the group above (written "inherit";
	// GitLab's use_inherited_settings).
	Inherit State = "inherit"
)

// key names a part of a spec for its line table: a target, one of its
// integrations, or one parameter of that integration.
func key(target int, parts ...string) string {
	k := "t" + strconv.Itoa(target)
	for _, p := range parts {
		k += "\x00" + p
	}
	return k
}

// where returns "file:line" for a part of the spec read from YAML, or the
// part's place in the Go structure for a spec built in Go.
func (s *Spec) where(target int, parts ...string) string {
	if line, ok := s.lines[key(target, parts...)]; ok {
		name := s.File
		if name == "" {
			name = "spec"
		}
		return name + ":" + strconv.Itoa(line)
	}
	// A line of the enclosing part is better than none.
	for n := len(parts) - 1; n >= 0; n-- {
		if line, ok := s.lines[key(target, parts[:n]...)]; ok {
			name := s.File
			if name == "" {
				name = "spec"
			}
			return name + ":" + strconv.Itoa(line)
		}
	}
	w := fmt.Sprintf("targets[%d]", target)
	switch {
	case len(parts) > 0 && strings.HasPrefix(parts[0], "@"):
		w += "." + parts[0][1:]
	case len(parts) > 0:
		w += ".integrations." + parts[0]
		if len(parts) > 1 {
			w += "." + parts[1]
		}
	}
	return w
}

// LoadSpec reads and checks the spec in the YAML file at path; see
// ParseSpec.
func LoadSpec(path string) (*Spec, error) {
	data, err := readYAMLFile(path, "spec")
	if err != nil {
		return nil, err
	}
	return ParseSpec(path, data)
}

// readYAMLFile reads a spec or a policy: a regular file only (a FIFO would
// hold the caller), of at most MaxSpecSize, refused before it is read.
func readYAMLFile(path, kind string) ([]byte, error) {
	data, err := readfile.Regular(path, MaxSpecSize)
	if errors.Is(err, readfile.ErrTooLarge) {
		return nil, fmt.Errorf("fleet: read %s: %w; a %s is at most 16 MiB: split it into several", kind, err, kind)
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: read %s: %w", kind, err)
	}
	return data, nil
}

// ParseSpec reads a spec from YAML and checks it against the catalog of
// integrations. filename is only used in messages. Every problem found is
// reported at once, each as "file:line: what is wrong, and what would be
// right", in an error matching integrations.ErrValidation.
func ParseSpec(filename string, data []byte) (*Spec, error) {
	s := &Spec{File: filename, lines: map[string]int{}}
	var p problemList
	root := decodeSpec(filename, data, &p)
	if root == nil {
		return nil, p.err()
	}
	r := reader{file: filename, spec: s, p: &p}
	r.top(root)
	if err := p.with(s.Validate()); err != nil {
		return nil, err
	}
	return s, nil
}
