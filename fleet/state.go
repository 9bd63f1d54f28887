package fleet

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// The state file records, per scope, integration and secret parameter, a
// keyed fingerprint of the secret Apply last sent: HMAC-SHA256 under a
// random key kept in the same file, over the scope, slug, parameter and
// value. It never holds a value; without the key (and the secret) a
// fingerprint says nothing about the value. With it, a plan notices a
// secret whose reference now resolves to another value. The file is
// written with mode 0600, replaced whole (write, then rename).
type stateFile struct {
	Version int `json:"version"`
	// Key is the HMAC key, base64.
	Key string `json:"key"`
	// Fingerprints maps "project:acme/web" -> slug -> parameter -> hex.
	Fingerprints map[string]map[string]map[string]string `json:"fingerprints"`

	mu  sync.Mutex
	key []byte
}

// loadState reads a state file; a missing file is an empty state with a
// new key.
func loadState(path string) (*stateFile, error) {
	st := &stateFile{Version: 1, Fingerprints: map[string]map[string]map[string]string{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		st.key = make([]byte, 32)
		if _, err := rand.Read(st.key); err != nil {
			return nil, fmt.Errorf("fleet: state file key: %w", err)
		}
		st.Key = base64.StdEncoding.EncodeToString(st.key)
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: read state file: %w", err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("fleet: state file %s: %w", path, err)
	}
	if st.Version != 1 {
		return nil, fmt.Errorf("fleet: state file %s: version %d is not known (want 1)", path, st.Version)
	}
	if st.key, err = base64.StdEncoding.DecodeString(st.Key); err != nil || len(st.key) < 16 {
		return nil, fmt.Errorf("fleet: state file %s: the key is not 16 or more bytes of base64", path)
	}
	if st.Fingerprints == nil {
		st.Fingerprints = map[string]map[string]map[string]string{}
	}
	return st, nil
}

// fingerprint is the keyed fingerprint of one secret value.
func (st *stateFile) fingerprint(scope, slug, param, value string) string {
	m := hmac.New(sha256.New, st.key)
	for _, part := range []string{strings.ToLower(scope), slug, param, value} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// recorded returns the fingerprint recorded for a secret, if any.
func (st *stateFile) recorded(scope, slug, param string) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fp, ok := st.Fingerprints[strings.ToLower(scope)][slug][param]
	return fp, ok
}

// record stores the fingerprints of the secrets just sent, replacing what
// was recorded for the integration on the scope; nil forgets it.
func (st *stateFile) record(scope, slug string, values map[string]string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	scope = strings.ToLower(scope)
	if len(values) == 0 {
		delete(st.Fingerprints[scope], slug)
		if len(st.Fingerprints[scope]) == 0 {
			delete(st.Fingerprints, scope)
		}
		return
	}
	m := map[string]string{}
	for param, v := range values {
		m[param] = st.fingerprint(scope, slug, param, v)
	}
	if st.Fingerprints[scope] == nil {
		st.Fingerprints[scope] = map[string]map[string]string{}
	}
	st.Fingerprints[scope][slug] = m
}

// save writes the state file atomically, readable by its owner only.
func (st *stateFile) save(path string) error {
	st.mu.Lock()
	data, err := json.MarshalIndent(st, "", "  ")
	st.mu.Unlock()
	if err != nil {
		return fmt.Errorf("fleet: state file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fleet-state-*")
	if err != nil {
		return fmt.Errorf("fleet: write state file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("fleet: write state file: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("fleet: write state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fleet: write state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("fleet: write state file: %w", err)
	}
	return nil
}

// hmacEqual compares two hex fingerprints in constant time.
func hmacEqual(a, b string) bool {
	x, err1 := hex.DecodeString(a)
	y, err2 := hex.DecodeString(b)
	return err1 == nil && err2 == nil && hmac.Equal(x, y)
}
