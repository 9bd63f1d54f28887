package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
)

// SlashCommand is a slash command as a chat service sends it to GitLab:
// the fields Slack and Mattermost post when a user types "/gitlab …".
// Token is required; GitLab reads the others to find the chat user and run
// the command. Print it freely: Token is redacted.
type SlashCommand struct {
	// Token is the slash command's token: for the project triggers, the
	// token set in the Mattermost or Slack slash commands integration;
	// for the GitLab for Slack app, the app's verification token.
	Token string `json:"token" redact:"true"`
	// Text is what the user typed after the command, such as
	// "issue show 42". The GitLab for Slack app's trigger requires it,
	// with the project's alias first ("acme/web issue show 42").
	Text string `json:"text,omitempty"`
	// Command is the command typed, such as "/gitlab".
	Command string `json:"command,omitempty"`
	// TeamID and TeamDomain name the chat workspace.
	TeamID     string `json:"team_id,omitempty"`
	TeamDomain string `json:"team_domain,omitempty"`
	// ChannelID and ChannelName name the channel the command was typed in.
	ChannelID   string `json:"channel_id,omitempty"`
	ChannelName string `json:"channel_name,omitempty"`
	// UserID and UserName name the chat user, whom GitLab maps to a GitLab
	// user (or answers with a link to authorize the mapping).
	UserID   string `json:"user_id,omitempty"`
	UserName string `json:"user_name,omitempty"`
	// ResponseURL is where the chat service accepts delayed answers.
	ResponseURL string `json:"response_url,omitempty"`
	// TriggerID is Slack's ID of the interaction.
	TriggerID string `json:"trigger_id,omitempty"`
}

// Format prints c with its token redacted, whatever the verb.
func (c SlashCommand) Format(f fmt.State, verb rune) { formatOptions(f, verb, c) }

// String returns c as %v prints it, with its token redacted.
func (c SlashCommand) String() string { return fmt.Sprint(c) }

// LogValue logs the set fields of c, its token redacted.
func (c SlashCommand) LogValue() slog.Value { return logOptions(c) }

// SlashCommandResponse is GitLab's answer to a slash command, a message in
// the chat service's format.
type SlashCommandResponse struct {
	// ResponseType is "ephemeral" (shown to the user who typed the
	// command) or "in_channel" (shown to the channel).
	ResponseType string `json:"response_type"`
	// Text is the message.
	Text string `json:"text"`
	// Attachments are the message's attachments, in the chat service's
	// format, as GitLab sent them; nil when there are none.
	Attachments []json.RawMessage `json:"attachments"`
	// Status is the status GitLab put in its answer (200).
	Status int `json:"status"`
}

// Slash command trigger paths. The project triggers use the slug with
// underscores, as GitLab routes them, not the hyphens of the integration's
// slug.
const (
	mattermostTriggerPath = "/mattermost_slash_commands/trigger"
	slackTriggerPath      = "/slack_slash_commands/trigger"
)

// TriggerMattermostSlashCommand runs a slash command through a project's
// Mattermost slash commands integration (POST
// /projects/:id/integrations/mattermost_slash_commands/trigger), as
// Mattermost does when a user types the command. GitLab authenticates the
// call by cmd.Token alone: when no active Mattermost slash commands
// integration of the project has that token (or the project does not
// exist), it answers 404, an *Error matching ErrIntegrationNotFound.
//
// The command may change something on GitLab (create an issue, run a
// deployment), so it is never sent twice: only GitLab's 429 is retried.
func (c *Client) TriggerMattermostSlashCommand(ctx context.Context, project Scope, cmd *SlashCommand, opts ...RequestOption) (*SlashCommandResponse, error) {
	return c.triggerProject(ctx, "TriggerMattermostSlashCommand", project, mattermostTriggerPath, "mattermost-slash-commands", cmd, opts)
}

// TriggerSlackSlashCommand runs a slash command through a project's Slack
// slash commands integration (POST
// /projects/:id/integrations/slack_slash_commands/trigger), as
// TriggerMattermostSlashCommand does for Mattermost. GitLab 19.0 removed
// the integration and its trigger: a newer server's answer is an *Error
// matching ErrIntegrationRemoved (and ErrUnknownIntegration); use the
// GitLab for Slack app (TriggerSlackAppCommand) there.
//
// Deprecated: GitLab 19.0 removed Slack slash commands; only older
// self-managed servers still serve them.
func (c *Client) TriggerSlackSlashCommand(ctx context.Context, project Scope, cmd *SlashCommand, opts ...RequestOption) (*SlashCommandResponse, error) {
	return c.triggerProject(ctx, "TriggerSlackSlashCommand", project, slackTriggerPath, "slack-slash-commands", cmd, opts)
}

// TriggerSlackAppCommand runs a slash command of the GitLab for Slack app
// (POST /slack/trigger), as Slack does: cmd.Text is required and starts
// with the project's alias; cmd.Token is the app's verification token.
// GitLab answers 404 (an *Error matching ErrNotFound) when the token does
// not match the instance's, or the app is not set up. Like the project
// triggers, it is never sent twice: only GitLab's 429 is retried.
func (c *Client) TriggerSlackAppCommand(ctx context.Context, cmd *SlashCommand, opts ...RequestOption) (*SlashCommandResponse, error) {
	const call = "TriggerSlackAppCommand"
	if err := c.checkTrigger(ctx, call, cmd); err != nil {
		return nil, err
	}
	if cmd.Text == "" {
		return nil, invalid("%s: the command's Text is required (the project's alias and the command, such as \"acme/web issue show 42\")", call)
	}
	u := *c.baseURL
	u.Path += "/slack/trigger"
	var out SlashCommandResponse
	if err := c.do(ctx, http.MethodPost, &u, cmd, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// triggerProject is the project triggers' call: path below the project's
// integrations, slug the integration's catalog slug (for the error of a
// server that removed it).
func (c *Client) triggerProject(ctx context.Context, call string, project Scope, path, slug string, cmd *SlashCommand, opts []RequestOption) (*SlashCommandResponse, error) {
	if err := c.checkTrigger(ctx, call, cmd); err != nil {
		return nil, err
	}
	switch {
	case project == Scope{}:
		return nil, invalid("%s: empty project reference (use Project(path) or ProjectID(id))", call)
	case project.IsGroup():
		return nil, invalid("%s: slash commands belong to a project, not to %s (use Project(path) or ProjectID(id))", call, project)
	}
	if err := project.validate(); err != nil {
		return nil, err
	}
	collection := "/integrations"
	if atomic.LoadUint32(&c.servicesOnly) == 1 {
		collection = "/services" // GitLab before 14.4 (see legacy.go)
	}
	u := c.endpointURL(project, collection+path)
	var out SlashCommandResponse
	err := c.do(ctx, http.MethodPost, &u, cmd, &out, opts)
	if err != nil {
		return nil, explainTrigger(err, slug)
	}
	return &out, nil
}

// checkTrigger refuses what no trigger can send.
func (c *Client) checkTrigger(ctx context.Context, call string, cmd *SlashCommand) error {
	switch {
	case c.usable() != nil:
		return c.usable()
	case ctx == nil:
		return invalid("%s: nil context.Context (use context.Background())", call)
	case cmd == nil:
		return invalid("%s: nil *SlashCommand", call)
	case cmd.Token == "":
		return invalid("%s: the command's Token is required (the slash command's token)", call)
	}
	return nil
}

// explainTrigger adds to a server's "no such route" what the catalog
// knows: that GitLab removed the integration (Slack slash commands, in
// 19.0), or that the server is older than it.
func explainTrigger(err error, slug string) error {
	var e *Error
	if !errors.As(err, &e) || !e.routeUnknown() {
		return err
	}
	info, ok := Lookup(slug)
	switch {
	case ok && info.RemovedIn != "":
		e.removedIn = info.RemovedIn
		e.hint = info.Title + " (" + info.Slug + ") was removed in GitLab " + info.RemovedIn +
			", its trigger with it: this server no longer serves it; use the GitLab for Slack app (TriggerSlackAppCommand)"
	case ok:
		e.hint = "the server has no trigger for " + info.Slug + ": it may be older than the integration"
	}
	return err
}
