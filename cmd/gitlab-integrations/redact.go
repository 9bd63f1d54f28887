package main

import (
	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/internal/redact"
)

// redactSent wraps err so that its text holds none of the values sent for
// the parameters the catalog calls secret, in case GitLab's answer quoted
// one, as fleet's apply does.
func redactSent(err error, info integrations.IntegrationInfo, sent integrations.Values) error {
	var secrets []string
	for name, v := range sent {
		p, ok := info.Parameter(name)
		if s, isText := v.(string); ok && p.Secret && isText {
			secrets = append(secrets, s)
		}
	}
	return redact.Secrets(err, secrets)
}
