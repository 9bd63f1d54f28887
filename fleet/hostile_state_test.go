package fleet_test

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gitlabkit/integrations"
	"github.com/gitlabkit/integrations/fleet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// applyWithState plans and applies Slack on the project with the webhook
// given, recording it in the state file.
func applyWithState(t *testing.T, c *integrations.Client, project, webhook, state string, progress func(fleet.Event)) {
	t.Helper()
	ctx := context.Background()
	spec := parse(t, "version: 1\ntargets:\n  - project: "+project+"\n    integrations:\n      slack:\n        webhook: ${env:W}\n        channel: '#c'\n")
	lookup := env(map[string]string{"W": webhook})
	p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: state, LookupEnv: lookup})
	require.NoError(t, err)
	res, err := fleet.Apply(ctx, c, p, fleet.ApplyOptions{StateFile: state, LookupEnv: lookup, Progress: progress})
	require.NoError(t, err)
	require.Zero(t, res.Failed())
}

// stringsIn returns every string of a JSON document, keys included.
func stringsIn(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case map[string]any:
		var out []string
		for k, e := range x {
			out = append(out, k)
			out = append(out, stringsIn(e)...)
		}
		return out
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, stringsIn(e)...)
		}
		return out
	}
	return nil
}

// TestStateFileAloneAllowsNoGuess: with the state file alone (no key), a
// guess of a low-entropy secret cannot be checked: nothing in the file
// works as the key, under the old fingerprint or the new. With the key
// file, the guess checks: the test could tell.
func TestStateFileAloneAllowsNoGuess(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	state := filepath.Join(t.TempDir(), "state.json")
	const secret = "https://hooks.example.com/Summer2024!"
	applyWithState(t, c, "acme/web", secret, state, nil)

	data, err := os.ReadFile(state)
	require.NoError(t, err)
	var doc any
	require.NoError(t, json.Unmarshal(data, &doc))
	fp := doc.(map[string]any)["fingerprints"].(map[string]any)["project:acme/web"].(map[string]any)["slack"].(map[string]any)["webhook"].(string)
	// What an attacker would check a guess against.
	matches := func(key []byte) bool {
		m := hmac.New(sha256.New, key)
		for _, part := range []string{"project:acme/web", "slack", "webhook", secret} {
			m.Write([]byte(part))
			m.Write([]byte{0})
		}
		if strings.HasSuffix(fp, hex.EncodeToString(m.Sum(nil))) {
			return true
		}
		salt := append(append([]byte(nil), key...), []byte("\x00project:acme/web\x00slack\x00webhook")...)
		slow, err := pbkdf2.Key(sha256.New, secret, salt, fleet.FingerprintIterations, 32)
		return err == nil && strings.HasSuffix(fp, hex.EncodeToString(slow))
	}
	tried := 0
	for _, s := range stringsIn(doc) {
		for _, key := range [][]byte{[]byte(s), decode64(s), decodeHex(s)} {
			if key != nil {
				tried++
				assert.False(t, matches(key), "the state file holds its key (%q)", s)
			}
		}
	}
	assert.Greater(t, tried, 5)

	keyFile := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "gitlab-integrations", "state.key")
	fi, err := os.Stat(keyFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	kf, err := os.ReadFile(keyFile)
	require.NoError(t, err)
	assert.True(t, matches(decode64(strings.TrimSpace(string(kf)))), "the key file's key checks the guess")
	assert.NotContains(t, string(data), strings.TrimSpace(string(kf)))
}

func decode64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

func decodeHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

// TestConcurrentAppliesKeepBothRecords: two applies sharing a state file,
// each having read it before the other wrote it, both keep their records.
func TestConcurrentAppliesKeepBothRecords(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	state := filepath.Join(t.TempDir(), "state.json")
	// Each apply waits, after its change, until the other has made its
	// own: both have read the state file before either writes it.
	var wg sync.WaitGroup
	applied := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	for i, project := range []string{"acme/web", "acme/api"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applyWithState(t, c, project, sentinel+project, state, func(fleet.Event) {
				close(applied[i])
				<-applied[1-i]
			})
		}()
	}
	wg.Wait()
	data, err := os.ReadFile(state)
	require.NoError(t, err)
	var st struct {
		Fingerprints map[string]map[string]map[string]string
	}
	require.NoError(t, json.Unmarshal(data, &st))
	assert.Contains(t, st.Fingerprints, "project:acme/web")
	assert.Contains(t, st.Fingerprints, "project:acme/api")
	_, err = os.Stat(state + ".lock")
	assert.ErrorIs(t, err, os.ErrNotExist, "the lock is released")

	// And both are good: a rotated secret shows on each.
	for _, project := range []string{"acme/web", "acme/api"} {
		spec := parse(t, "version: 1\ntargets:\n  - project: "+project+"\n    integrations:\n      slack:\n        webhook: ${env:W}\n        channel: '#c'\n")
		p, err := fleet.NewPlan(context.Background(), c, spec, fleet.PlanOptions{StateFile: state, LookupEnv: env(map[string]string{"W": sentinel + project})})
		require.NoError(t, err)
		assert.False(t, p.HasChanges(), text(t, p))
		p, err = fleet.NewPlan(context.Background(), c, spec, fleet.PlanOptions{StateFile: state, LookupEnv: env(map[string]string{"W": "rotated"})})
		require.NoError(t, err)
		assert.True(t, p.HasChanges(), text(t, p))
	}
}

// TestStateFileVersion1IsMigrated: a version 1 file (its key inside) is
// read, its fingerprints still tell a changed secret, and the next apply
// writes version 2 without the key, the old key becoming the key file's.
func TestStateFileVersion1IsMigrated(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	srv, c := setup(t)
	srv.AddProject("acme/web")
	srv.AddProject("acme/api")
	ctx := context.Background()
	_, err := c.Slack.Set(ctx, integrations.Project("acme/web"), &integrations.SlackOptions{Webhook: sentinel, Channel: integrations.Ptr("#c")})
	require.NoError(t, err)
	key := []byte("0123456789abcdef0123456789abcdef")
	m := hmac.New(sha256.New, key)
	for _, part := range []string{"project:acme/web", "slack", "webhook", sentinel} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	v1 := `{"version": 1, "key": "` + base64.StdEncoding.EncodeToString(key) + `", "fingerprints": {"project:acme/web": {"slack": {"webhook": "` + hex.EncodeToString(m.Sum(nil)) + `"}}}}`
	state := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, os.WriteFile(state, []byte(v1), 0o600))

	spec := parse(t, "version: 1\ntargets:\n  - project: acme/web\n    integrations:\n      slack:\n        webhook: ${env:W}\n        channel: '#c'\n")
	for _, w := range []string{sentinel, "rotated"} {
		p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: state, LookupEnv: env(map[string]string{"W": w})})
		require.NoError(t, err)
		assert.Equal(t, w == "rotated", p.HasChanges(), text(t, p))
	}
	applyWithState(t, c, "acme/api", sentinel, state, nil)
	data, err := os.ReadFile(state)
	require.NoError(t, err)
	assert.NotContains(t, string(data), base64.StdEncoding.EncodeToString(key))
	assert.Contains(t, string(data), `"version": 2`)
	for _, w := range []string{sentinel, "rotated"} {
		p, err := fleet.NewPlan(ctx, c, spec, fleet.PlanOptions{StateFile: state, LookupEnv: env(map[string]string{"W": w})})
		require.NoError(t, err)
		assert.Equal(t, w == "rotated", p.HasChanges(), text(t, p))
	}
}

// TestStateFileOfAnotherKeyIsRefused: a state file made with another key
// is an error naming what to do, not a plan of changed secrets.
func TestStateFileOfAnotherKeyIsRefused(t *testing.T) {
	srv, c := setup(t)
	srv.AddProject("acme/web")
	state := filepath.Join(t.TempDir(), "state.json")
	t.Setenv("GITLAB_INTEGRATIONS_STATE_KEY", "one key of thirty-two bytes ....")
	applyWithState(t, c, "acme/web", sentinel, state, nil)
	t.Setenv("GITLAB_INTEGRATIONS_STATE_KEY", "another key of thirty-two bytes.")
	_, err := fleet.NewPlan(context.Background(), c, parse(t, "version: 1\ntargets: [{project: acme/web, integrations: {slack: {webhook: '${env:W}'}}}]\n"), fleet.PlanOptions{StateFile: state, LookupEnv: env(map[string]string{"W": sentinel})})
	assert.ErrorContains(t, err, "was written with another key than this one (GITLAB_INTEGRATIONS_STATE_KEY)")
	t.Setenv("GITLAB_INTEGRATIONS_STATE_KEY", "short")
	_, err = fleet.NewPlan(context.Background(), c, parse(t, "version: 1\ntargets: [{project: acme/web, integrations: {slack: {webhook: '${env:W}'}}}]\n"), fleet.PlanOptions{StateFile: state, LookupEnv: env(map[string]string{"W": sentinel})})
	assert.ErrorContains(t, err, "GITLAB_INTEGRATIONS_STATE_KEY holds 5 bytes; a state key is 16 bytes or more")
}
