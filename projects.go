package integrations

import (
	"context"
	"iter"
)

// ProjectInfo is one project of a group, as Client.Projects reports it.
type ProjectInfo struct {
	// ID is the project's numeric ID.
	ID int64 `json:"id"`
	// Name is the project's name, such as "Web".
	Name string `json:"name"`
	// Path is the last segment of its path, such as "web".
	Path string `json:"path"`
	// PathWithNamespace is its full path, such as "acme/platform/web".
	PathWithNamespace string `json:"path_with_namespace"`
	// Archived is true for an archived project; Projects leaves them out
	// unless IncludeArchived is given.
	Archived bool `json:"archived"`
	// WebURL is the project's page on GitLab.
	WebURL string `json:"web_url"`
}

// Scope returns the project as a Scope for calls, named by its ID.
func (p *ProjectInfo) Scope() Scope {
	if p == nil {
		return Scope{}
	}
	return ProjectID(p.ID)
}

// GroupInfo is one group of a group tree, as Client.Subgroups reports it.
type GroupInfo struct {
	// ID is the group's numeric ID.
	ID int64 `json:"id"`
	// Name is the group's name.
	Name string `json:"name"`
	// Path is the last segment of its path.
	Path string `json:"path"`
	// FullPath is its full path, such as "acme/platform".
	FullPath string `json:"full_path"`
	// ParentID is the ID of the group above it; 0 for a top-level group.
	ParentID int64 `json:"parent_id"`
	// WebURL is the group's page on GitLab.
	WebURL string `json:"web_url"`
}

// Scope returns the group as a Scope for calls, named by its ID.
func (g *GroupInfo) Scope() Scope {
	if g == nil {
		return Scope{}
	}
	return GroupID(g.ID)
}

// ProjectsOption changes what Client.Projects and Client.Subgroups list.
type ProjectsOption func(*projectsConfig)

type projectsConfig struct {
	archived   bool
	noSubgroup bool
	perPage    int
}

// IncludeArchived makes Projects list archived projects too.
func IncludeArchived() ProjectsOption { return func(c *projectsConfig) { c.archived = true } }

// WithoutSubgroups makes Projects list only the projects directly in the
// group, and Subgroups only the group's direct children.
func WithoutSubgroups() ProjectsOption { return func(c *projectsConfig) { c.noSubgroup = true } }

// WithPageSize sets how many entries each page request asks for (GitLab's
// per_page, 1 to 100; 100 by default).
func WithPageSize(n int) ProjectsOption { return func(c *projectsConfig) { c.perPage = n } }

// Projects lists the projects of a group, those of its subgroups included
// (unless WithoutSubgroups), archived ones left out (unless
// IncludeArchived). It follows every page, under the client's retries and
// rate limiter; iteration stops at the first error, which is yielded.
func (c *Client) Projects(ctx context.Context, group Scope, opts ...ProjectsOption) iter.Seq2[*ProjectInfo, error] {
	return func(yield func(*ProjectInfo, error) bool) {
		yield(nil, errorf("Projects: not implemented yet"))
	}
}

// Subgroups lists the groups below a group, at every depth (unless
// WithoutSubgroups), following every page.
func (c *Client) Subgroups(ctx context.Context, group Scope, opts ...ProjectsOption) iter.Seq2[*GroupInfo, error] {
	return func(yield func(*GroupInfo, error) bool) {
		yield(nil, errorf("Subgroups: not implemented yet"))
	}
}
