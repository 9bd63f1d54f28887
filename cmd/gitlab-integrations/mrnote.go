package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
)

// mrNoteOptions are the flags of plan --mr-note.
type mrNoteOptions struct {
	post    bool
	project string
	iid     int64
}

func (o *mrNoteOptions) bind(f *pflag.FlagSet) {
	f.BoolVar(&o.post, "mr-note", false, "post the plan as a note on the merge request (updating the note an earlier run posted)")
	f.StringVar(&o.project, "mr-project", "", "project of the merge request, path or ID (default $CI_PROJECT_ID)")
	f.Int64Var(&o.iid, "mr-iid", 0, "merge request IID, the number after ! (default $CI_MERGE_REQUEST_IID)")
}

// mrTarget is the merge request a plan is posted on.
type mrTarget struct {
	project integrations.Scope
	name    string // as given, for messages
	iid     int64
}

// target finds the merge request from the flags, else from the variables
// GitLab CI sets in a merge request pipeline. It is called before anything
// is sent, so that a missing one stops plan at once.
func (o *mrNoteOptions) target(getenv func(string) (string, bool)) (mrTarget, error) {
	if !o.post {
		if o.project != "" || o.iid != 0 {
			return mrTarget{}, errors.New("--mr-project and --mr-iid go with --mr-note")
		}
		return mrTarget{}, nil
	}
	t := mrTarget{name: o.project, iid: o.iid}
	if t.name == "" {
		t.name, _ = getenv("CI_PROJECT_ID")
	}
	t.name = strings.TrimSpace(t.name)
	if t.name == "" {
		return mrTarget{}, errors.New("--mr-note needs the merge request's project: --mr-project PATH or CI_PROJECT_ID (set in GitLab CI jobs)")
	}
	if t.iid == 0 {
		v, _ := getenv("CI_MERGE_REQUEST_IID")
		v = strings.TrimSpace(v)
		if v == "" {
			return mrTarget{}, errors.New("--mr-note needs the merge request: --mr-iid N or CI_MERGE_REQUEST_IID (set in merge request pipelines only)")
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return mrTarget{}, fmt.Errorf("CI_MERGE_REQUEST_IID %q is not a merge request number", v)
		}
		t.iid = n
	}
	if t.iid <= 0 {
		return mrTarget{}, fmt.Errorf("merge request IID %d: give the number after ! (above zero)", t.iid)
	}
	t.project = integrations.Project(t.name)
	return t, nil
}

// noteMarker is the hidden first line of the note plan posts for spec: how
// a later run finds the note to update. The spec path is written with
// every byte that could end the HTML comment, leave its line or hide in it
// (controls, non-ASCII, "<", ">", a second "-" in a row) percent-encoded.
func noteMarker(spec string) string {
	var b strings.Builder
	for i := 0; i < len(spec); i++ {
		c := spec[i]
		if c < ' ' || c >= 0x7f || c == '<' || c == '>' || c == '%' || (c == '-' && i > 0 && spec[i-1] == '-') {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return "<!-- gitlab-integrations:plan " + b.String() + " -->"
}

// artifactURL is where the job's saved plan can be read, from CI_JOB_URL:
// the file itself when --out names one in the job's directory, the job's
// artifacts otherwise; "" outside CI.
func artifactURL(getenv func(string) (string, bool), out string) string {
	job, _ := getenv("CI_JOB_URL")
	job = strings.TrimRight(strings.TrimSpace(job), "/")
	if job == "" {
		return ""
	}
	if clean := path.Clean(out); out != "" && !path.IsAbs(clean) && clean != ".." && !strings.HasPrefix(clean, "../") {
		return job + "/artifacts/file/" + (&url.URL{Path: clean}).EscapedPath()
	}
	return job + "/artifacts/browse"
}

// postPlanNote posts the plan's Markdown on the merge request, or updates
// the note an earlier run posted for the same spec (its first line is the
// marker). A note with the marker that this token may not edit (someone
// else's) is left as it is, and a new note is posted.
func postPlanNote(ctx context.Context, root *rootOptions, c *integrations.Client, t mrTarget, spec, out string, p *fleet.Plan) error {
	marker := noteMarker(spec)
	var md bytes.Buffer
	if err := p.WriteMarkdown(&md, fleet.MarkdownOptions{Header: marker, ArtifactURL: artifactURL(root.getenv, out)}); err != nil {
		return err
	}
	where := fmt.Sprintf("merge request !%d of project %s", t.iid, t.name)
	var earlier []*integrations.Note
	for n, err := range c.MergeRequestNotes(ctx, t.project, t.iid) {
		if err != nil {
			return fmt.Errorf("posting the plan: reading the notes of %s: %w", where, err)
		}
		if first, _, _ := strings.Cut(n.Body, "\n"); !n.System && strings.TrimSpace(first) == marker {
			earlier = append(earlier, n)
		}
	}
	// The newest first: the note a previous run updated last.
	for i := len(earlier) - 1; i >= 0; i-- {
		old := earlier[i]
		if old.Body == md.String() {
			// Nothing new since the last push: no edit, no "edited" mark.
			// (Whether the note is ours is not known without a write;
			// a copy by someone else that says the same is as good.)
			root.notef("The plan's note %d on %s is up to date", old.ID, where)
			return nil
		}
		n, err := c.UpdateMergeRequestNote(ctx, t.project, t.iid, old.ID, md.String())
		if errors.Is(err, integrations.ErrForbidden) {
			continue // another user's note: not ours to edit
		}
		if err != nil {
			return fmt.Errorf("posting the plan: updating note %d on %s: %w", old.ID, where, err)
		}
		root.notef("Updated the plan's note %d on %s", n.ID, where)
		return nil
	}
	n, err := c.CreateMergeRequestNote(ctx, t.project, t.iid, md.String())
	if err != nil {
		return fmt.Errorf("posting the plan on %s: %w", where, err)
	}
	root.notef("Posted the plan as note %d on %s", n.ID, where)
	return nil
}
