package fleet

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/internal/suggest"
)

// directory answers what a plan needs to know about GitLab's tree of
// groups and projects beyond the places it plans: the projects of a
// projects_in group, the paths near one that does not exist, and the
// integrations active on the groups above a project that inherits. Each
// listing is read at most once per plan, from any goroutine.
type directory struct {
	c *integrations.Client

	mu    sync.Mutex
	lists map[string]*listing // by kind and lower-case path
}

// listing is one answer read once: a list of paths, or integrations.
type listing struct {
	once  sync.Once
	read  bool // set under directory.mu once fn returned
	paths []string
	integ []*integrations.Integration
	err   error
}

func newDirectory(c *integrations.Client) *directory {
	return &directory{c: c, lists: map[string]*listing{}}
}

// read returns the listing of kind for path, reading it with fn the first
// time it is asked for.
func (d *directory) read(kind, path string, fn func(l *listing)) *listing {
	k := kind + "\x00" + strings.ToLower(path)
	d.mu.Lock()
	l := d.lists[k]
	if l == nil {
		l = &listing{}
		d.lists[k] = l
	}
	d.mu.Unlock()
	l.once.Do(func() {
		fn(l)
		d.mu.Lock()
		l.read = true
		d.mu.Unlock()
	})
	return l
}

// known records a listing already read elsewhere (a group the plan reads
// as a place of its own), so that it is not read again.
func (d *directory) known(kind, path string, integ []*integrations.Integration) {
	d.read(kind, path, func(l *listing) { l.integ = integ })
}

// projects lists a group's projects, subgroups included, archived left
// out, sorted by full path: the projects of a projects_in target.
func (d *directory) projects(ctx context.Context, group string) ([]string, error) {
	l := d.read("projects", group, func(l *listing) {
		for p, err := range d.c.Projects(ctx, integrations.Group(group)) {
			if err != nil {
				l.err = fmt.Errorf("list the projects of group %s: %w", group, err)
				return
			}
			l.paths = append(l.paths, p.PathWithNamespace)
		}
		sort.Strings(l.paths)
	})
	return l.paths, l.err
}

// children lists the full paths of a group's direct projects (or direct
// subgroups), for suggestions; a group that cannot be read has none.
func (d *directory) children(ctx context.Context, group string, groups bool) ([]string, error) {
	if !groups {
		// Projects of a projects_in group, when read, hold the direct ones.
		d.mu.Lock()
		all := d.lists["projects\x00"+strings.ToLower(group)]
		ready := all != nil && all.read
		d.mu.Unlock()
		if ready {
			if all.err == nil {
				var out []string
				for _, p := range all.paths {
					if strings.EqualFold(parentPath(p), group) {
						out = append(out, p)
					}
				}
				return out, nil
			}
		}
	}
	kind := "direct-projects"
	if groups {
		kind = "direct-groups"
	}
	l := d.read(kind, group, func(l *listing) {
		if groups {
			for g, err := range d.c.Subgroups(ctx, integrations.Group(group), integrations.WithoutSubgroups()) {
				if err != nil {
					l.err = err
					return
				}
				l.paths = append(l.paths, g.FullPath)
			}
			return
		}
		for p, err := range d.c.Projects(ctx, integrations.Group(group), integrations.WithoutSubgroups()) {
			if err != nil {
				l.err = err
				return
			}
			l.paths = append(l.paths, p.PathWithNamespace)
		}
	})
	return l.paths, l.err
}

// near names the existing paths closest to path, a project (or group)
// that does not exist: among the projects (or subgroups) of its parent
// group, or, when the parent does not exist either, says so with the
// parent's closest. It returns "" when it knows nothing better.
func (d *directory) near(ctx context.Context, path string, group bool) string {
	return d.nearDepth(ctx, path, group, 0)
}

func (d *directory) nearDepth(ctx context.Context, path string, group bool, depth int) string {
	parent := parentPath(path)
	if parent == "" || isNumeric(path) || depth > 2 {
		return ""
	}
	paths, err := d.children(ctx, parent, group)
	if errors.Is(err, integrations.ErrGroupNotFound) {
		return ", nor does group " + parent + d.nearDepth(ctx, parent, true, depth+1)
	}
	if err != nil {
		return ""
	}
	closest := suggest.Closest(path, paths, 2)
	if len(closest) == 0 {
		return ""
	}
	return " (did you mean " + strings.Join(closest, " or ") + "?)"
}

// groupIntegrations lists the integrations active on a group; a group
// that does not exist (a user's namespace) has none.
func (d *directory) groupIntegrations(ctx context.Context, group string) ([]*integrations.Integration, error) {
	l := d.read("integrations", group, func(l *listing) {
		l.integ, l.err = d.c.List(ctx, integrations.Group(group))
		if errors.Is(l.err, integrations.ErrGroupNotFound) {
			l.integ, l.err = nil, nil
		}
	})
	return l.integ, l.err
}

// parentPath is the group above a full path, "" at the top.
func parentPath(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return ""
	}
	return path[:i]
}

func isNumeric(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
