package fleet

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/gitlabkit/integrations/internal/readfile"
)

// The state file records, per scope, integration and secret parameter, a
// keyed, slow fingerprint of the secret Apply last sent: PBKDF2-HMAC-SHA256
// of the value, salted with the state key and the scope, slug and
// parameter, FingerprintIterations rounds. It never holds a value, nor the
// key: the key lives apart (see stateKey), so that the file alone (a CI
// artifact, a backup, a repository) allows no offline guess of a secret,
// and the rounds slow down guessing for whoever holds both.
//
// With the key, a plan notices a secret whose reference now resolves to
// another value. The file is written with mode 0600, replaced whole
// (write, then rename), under a lock file (path + ".lock") after reading
// it again: two applies sharing a state file keep both runs' records.
//
// Version 1 files held their key inside; they are read, and written back
// as version 2 without it (see migrateV1).
type stateFile struct {
	Version int `json:"version"`
	// KeyID names the key the fingerprints were made with: the first 16
	// hex digits of HMAC-SHA256(key, "gitlab-integrations state key id").
	// It tells a wrong key from a changed secret, and says nothing of the
	// key itself (256 random bits, or a GITLAB_INTEGRATIONS_STATE_KEY of
	// at least 16 bytes).
	KeyID string `json:"key_id,omitempty"`
	// Fingerprints maps "project:acme/web" -> slug -> parameter ->
	// "pbkdf2-sha256:ROUNDS:HEX" (or "hmac-sha256:HEX", kept from a
	// version 1 file whose key became the state key).
	Fingerprints map[string]map[string]map[string]string `json:"fingerprints"`
	// Observed maps a GitLab's API root -> "project:acme/web" -> slug ->
	// what a plan last read there (see observation): no secret in it.
	Observed map[string]map[string]map[string]*observation `json:"observed,omitempty"`

	mu sync.Mutex
	// key is the state key, loaded when the file is read or when the first
	// fingerprint is made (keyErr then says why it could not be).
	key    []byte
	keyErr error
	// legacyKey is the key of a version 1 file, to check its fingerprints
	// in memory; it is never written to the state file.
	legacyKey []byte
	// changes are this run's records (nil: forgotten), merged into the
	// file as it is on disk when saved.
	changes map[string]map[string]map[string]string
	// obsChanges are this run's observations (nil: forgotten), merged
	// like changes.
	obsChanges map[string]map[string]map[string]*observation
	// refresh makes a plan read every integration, records or not.
	refresh bool
}

// FingerprintIterations is the PBKDF2 cost of a state file fingerprint:
// about 0.7 ms of one core each (2026 laptop and CI hardware), so that
// 300,000 fingerprints compared by one plan cost 3–4 CPU-minutes, little
// beside the 150,000 or more requests needed to read their integrations,
// while each guess at a secret costs the same to whoever stole both the
// state file and its key.
const FingerprintIterations = 1000

// StateKeyEnv names the environment variable that holds the state key
// instead of the key file (base64 of 32 random bytes, say; at least 16
// bytes whatever they are), for CI runners that share one state file.
const StateKeyEnv = "GITLAB_INTEGRATIONS_STATE_KEY"

const (
	fpPBKDF2 = "pbkdf2-sha256:"
	fpHMAC   = "hmac-sha256:"
)

// loadState reads a state file; a missing file is an empty state whose key
// is loaded (or created) when the first fingerprint is recorded.
func loadState(path string) (*stateFile, error) {
	st := &stateFile{Version: 2, Fingerprints: map[string]map[string]map[string]string{}}
	disk, err := readState(path)
	if err != nil || disk == nil {
		return st, err
	}
	st.Fingerprints, st.Observed = disk.Fingerprints, disk.Observed
	st.KeyID, st.legacyKey = disk.KeyID, disk.legacyKey
	if disk.legacyKey != nil {
		// Version 1: the key in the file checks its fingerprints, in
		// memory. The state key proper is needed only to record new ones.
		return st, nil
	}
	if st.key, err = stateKey(false, nil); err != nil {
		return nil, fmt.Errorf("fleet: state file %s: %w", path, err)
	}
	if keyID(st.key) != disk.KeyID {
		return nil, fmt.Errorf("fleet: state file %s was written with another key than this one (%s): use the key of the machine that wrote it (its %s, or the same %s), or start a new state file",
			path, keyPlace(), stateKeyFileName, StateKeyEnv)
	}
	return st, nil
}

// readState reads and checks the file at path, nil when there is none.
// A version 1 file comes back with legacyKey set and KeyID empty.
func readState(path string) (*stateFile, error) {
	data, err := readfile.Regular(path, maxStateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: read state file: %w", err)
	}
	var disk struct {
		stateFile
		Key string `json:"key"` // version 1 only
	}
	if err := json.Unmarshal(data, &disk); err != nil {
		return nil, fmt.Errorf("fleet: state file %s: %w", path, err)
	}
	st := &disk.stateFile
	switch st.Version {
	case 1:
		k, err := base64.StdEncoding.DecodeString(disk.Key)
		if err != nil || len(k) < 16 {
			return nil, fmt.Errorf("fleet: state file %s: the key is not 16 or more bytes of base64", path)
		}
		st.legacyKey, st.KeyID = k, ""
		for _, slugs := range st.Fingerprints {
			for _, params := range slugs {
				for p, fp := range params {
					params[p] = fpHMAC + fp
				}
			}
		}
	case 2:
		if st.KeyID == "" {
			return nil, fmt.Errorf("fleet: state file %s: no key_id", path)
		}
	default:
		return nil, fmt.Errorf("fleet: state file %s: version %d is not known (want 2)", path, st.Version)
	}
	if st.Fingerprints == nil {
		st.Fingerprints = map[string]map[string]map[string]string{}
	}
	return st, nil
}

// maxStateFile bounds what is read of a state file: 256 MiB is a million
// fingerprints and more.
const maxStateFile = 256 << 20

// fingerprint returns the fingerprint of value for a recorded secret, made
// the way the recorded one was (so that plan compares like with like); a
// secret without a record gets a fingerprint of the current kind.
func (st *stateFile) fingerprint(scope, slug, param, value string) string {
	rec, _ := st.recorded(scope, slug, param)
	if h, ok := strings.CutPrefix(rec, fpHMAC); ok && h != "" {
		st.mu.Lock()
		key := st.legacyKey
		if key == nil {
			key = st.key
		}
		st.mu.Unlock()
		return fpHMAC + hex.EncodeToString(legacyFingerprint(key, scope, slug, param, value))
	}
	iter := FingerprintIterations
	if rest, ok := strings.CutPrefix(rec, fpPBKDF2); ok {
		if n, _, ok := strings.Cut(rest, ":"); ok {
			if v, err := strconv.Atoi(n); err == nil && v > 0 && v <= 10_000_000 {
				iter = v
			}
		}
	}
	key, err := st.stateKey()
	if err != nil {
		return ""
	}
	return slowFingerprint(key, iter, scope, slug, param, value)
}

// slowFingerprint is PBKDF2-HMAC-SHA256 of value, salted with the key and
// the place of the secret.
func slowFingerprint(key []byte, iter int, scope, slug, param, value string) string {
	salt := append([]byte(nil), key...)
	for _, part := range []string{strings.ToLower(scope), slug, param} {
		salt = append(salt, 0)
		salt = append(salt, part...)
	}
	fp, err := pbkdf2.Key(sha256.New, value, salt, iter, 32)
	if err != nil {
		// Only for parameters outside what FIPS mode allows; a fingerprint
		// that never matches makes the plan say "(secret changed)".
		return ""
	}
	return fpPBKDF2 + strconv.Itoa(iter) + ":" + hex.EncodeToString(fp)
}

// legacyFingerprint is the fingerprint of version 1 files.
func legacyFingerprint(key []byte, scope, slug, param, value string) []byte {
	m := hmac.New(sha256.New, key)
	for _, part := range []string{strings.ToLower(scope), slug, param, value} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// stateKey returns the state key, loading or creating it the first time.
func (st *stateFile) stateKey() ([]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.key == nil && st.keyErr == nil {
		// A version 1 file's key becomes the state key when none is set
		// up yet, so that its fingerprints stay good.
		st.key, st.keyErr = stateKey(true, st.legacyKey)
	}
	return st.key, st.keyErr
}

// recorded returns the fingerprint recorded for a secret, if any.
func (st *stateFile) recorded(scope, slug, param string) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fp, ok := st.Fingerprints[strings.ToLower(scope)][slug][param]
	return fp, ok
}

// record stores the fingerprints of the secrets just sent, replacing what
// was recorded for the integration on the scope; nil forgets it. A key
// that cannot be had is reported by save.
func (st *stateFile) record(scope, slug string, values map[string]string) {
	scope = strings.ToLower(scope)
	var m map[string]string
	if len(values) > 0 {
		key, err := st.stateKey()
		if err != nil {
			return
		}
		m = map[string]string{}
		for param, v := range values {
			// Outside the lock: each takes a good part of a millisecond.
			m[param] = slowFingerprint(key, FingerprintIterations, scope, slug, param, v)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.changes == nil {
		st.changes = map[string]map[string]map[string]string{}
	}
	if st.changes[scope] == nil {
		st.changes[scope] = map[string]map[string]string{}
	}
	st.changes[scope][slug] = m
	setRecord(st.Fingerprints, scope, slug, m)
}

// setRecord sets (or, for nil, removes) one integration's fingerprints.
func setRecord(all map[string]map[string]map[string]string, scope, slug string, m map[string]string) {
	if m == nil {
		delete(all[scope], slug)
		if len(all[scope]) == 0 {
			delete(all, scope)
		}
		return
	}
	if all[scope] == nil {
		all[scope] = map[string]map[string]string{}
	}
	all[scope][slug] = m
}

// save writes this run's records into the state file as it is now on disk
// (another apply may have written it since this one read it), under the
// lock, atomically, readable by its owner only.
func (st *stateFile) save(path string) error {
	st.mu.Lock()
	changes, observed, keyErr := st.changes, st.obsChanges, st.keyErr
	st.mu.Unlock()
	if keyErr != nil {
		return fmt.Errorf("fleet: state file %s: %w", path, keyErr)
	}
	if len(changes) == 0 && len(observed) == 0 && st.legacyKey == nil {
		return nil
	}
	key, err := st.stateKey()
	if err != nil {
		return fmt.Errorf("fleet: state file %s: %w", path, err)
	}
	unlock, err := lockState(path)
	if err != nil {
		return err
	}
	defer unlock()
	disk, err := readState(path)
	if err != nil {
		return err
	}
	out := &stateFile{Version: 2, KeyID: keyID(key), Fingerprints: map[string]map[string]map[string]string{}}
	switch {
	case disk == nil:
	case disk.legacyKey != nil:
		out.Fingerprints = migrateV1(disk, key)
	case disk.KeyID != out.KeyID:
		return fmt.Errorf("fleet: state file %s was written with another key than this one (%s) since this apply read it; nothing recorded", path, keyPlace())
	default:
		out.Fingerprints, out.Observed = disk.Fingerprints, disk.Observed
	}
	out.Observed = mergeObserved(out.Observed, observed)
	for scope, slugs := range changes {
		for slug, m := range slugs {
			setRecord(out.Fingerprints, scope, slug, m)
		}
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("fleet: state file: %w", err)
	}
	return writeFileAtomically(path, append(data, '\n'))
}

// migrateV1 returns the fingerprints of a version 1 file that its next
// version keeps: all of them when its key is the state key (stateKey
// adopts it when no key was set up yet), marked as HMAC fingerprints;
// none otherwise (the next apply of each integration records it again),
// since checking them would need the old key in the file.
func migrateV1(disk *stateFile, key []byte) map[string]map[string]map[string]string {
	out := map[string]map[string]map[string]string{}
	if !hmac.Equal(disk.legacyKey, key) {
		return out
	}
	for scope, slugs := range disk.Fingerprints {
		for slug, params := range slugs {
			setRecord(out, scope, slug, params)
		}
	}
	return out
}

func writeFileAtomically(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fleet-state-*")
	if err != nil {
		return fmt.Errorf("fleet: write state file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("fleet: write state file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
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

// hmacEqual compares two fingerprints ("kind:…:hex", or bare hex) in
// constant time; an empty one equals nothing.
func hmacEqual(a, b string) bool {
	ia, ib := strings.LastIndexByte(a, ':'), strings.LastIndexByte(b, ':')
	if a == "" || b == "" || a[:ia+1] != b[:ib+1] {
		return false
	}
	x, err1 := hex.DecodeString(a[ia+1:])
	y, err2 := hex.DecodeString(b[ib+1:])
	return err1 == nil && err2 == nil && len(x) > 0 && hmac.Equal(x, y)
}

// keyID names a key without saying anything of it.
func keyID(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("gitlab-integrations state key id"))
	return hex.EncodeToString(m.Sum(nil))[:16]
}
