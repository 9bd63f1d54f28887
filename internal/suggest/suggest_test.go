package suggest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClosest(t *testing.T) {
	names := []string{"slack", "slack-slash-commands", "mattermost", "jira", "jira-cloud-app", "channel", "push_channel"}
	for word, want := range map[string][]string{
		"slak":          {"slack"},
		"Slack":         {"slack", "slack-slash-commands"},
		"mattermots":    {"mattermost"},
		"jira_cloud_ap": {"jira-cloud-app", "jira"},
		"chanel":        {"channel"},
		"zzzz":          {},
		"":              {},
		"ji":            {"jira"},
		"push-channel":  {"push_channel", "channel"},
	} {
		assert.Equal(t, want, Closest(word, names, 2), word)
	}
	assert.Equal(t, 3, Distance("kitten", "sitting"))
	assert.Equal(t, 0, Distance("", ""))
}
