package fleet

import (
	"sort"
	"strings"
)

// waves orders the changes Apply makes so that a group's integration is
// set before anything that may inherit it: the changes of groups come
// first, shallowest first ("acme" before "acme/platform"), each depth a
// wave finished before the next starts, and the projects' changes last.
// Within a wave changes go concurrently. A plan without group changes is
// one wave. A group named by numeric ID, whose depth the plan does not
// know, goes with the top-level groups.
func waves(todo []*Change) [][]int {
	byDepth := map[int][]int{}
	var projects []int
	for i, ch := range todo {
		if !ch.Scope.IsGroup() {
			projects = append(projects, i)
			continue
		}
		d := groupDepth(ch.scopeText())
		byDepth[d] = append(byDepth[d], i)
	}
	depths := make([]int, 0, len(byDepth))
	for d := range byDepth {
		depths = append(depths, d)
	}
	sort.Ints(depths)
	out := make([][]int, 0, len(depths)+1)
	for _, d := range depths {
		out = append(out, byDepth[d])
	}
	if len(projects) > 0 {
		out = append(out, projects)
	}
	return out
}

// groupDepth counts the "/" of a group's path in "group:acme/platform";
// 0 for a group named by ID.
func groupDepth(text string) int {
	_, path, _ := strings.Cut(text, ":")
	return strings.Count(path, "/")
}
