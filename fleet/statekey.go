package fleet

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gitlabkit/integrations/internal/readfile"
)

// stateKeyFileName is the key file, in the user's configuration directory
// (os.UserConfigDir: ~/.config on Linux, ~/Library/Application Support on
// macOS, %AppData% on Windows), under gitlab-integrations/.
const stateKeyFileName = "state.key"

// stateKeyPath returns where the key file is.
func stateKeyPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no place for the state key (%w): set %s", err, StateKeyEnv)
	}
	return filepath.Join(dir, "gitlab-integrations", stateKeyFileName), nil
}

// keyPlace says where the state key comes from, for messages.
func keyPlace() string {
	if _, ok := os.LookupEnv(StateKeyEnv); ok {
		return StateKeyEnv
	}
	if p, err := stateKeyPath(); err == nil {
		return p
	}
	return StateKeyEnv
}

// stateKey returns the key of state file fingerprints: the bytes of
// GITLAB_INTEGRATIONS_STATE_KEY when it is set, else those of the key file
// (base64, mode 0600). With create, a missing key file is made: adopt as
// its key when given (a version 1 file's), else 32 random bytes.
func stateKey(create bool, adopt []byte) ([]byte, error) {
	if v, ok := os.LookupEnv(StateKeyEnv); ok {
		if len(v) < 16 {
			return nil, fmt.Errorf("%s holds %d bytes; a state key is 16 bytes or more: use 32 random bytes in base64 (openssl rand -base64 32)", StateKeyEnv, len(v))
		}
		return []byte(v), nil
	}
	path, err := stateKeyPath()
	if err != nil {
		return nil, err
	}
	key, err := readStateKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if !create {
		return nil, fmt.Errorf("no state key: neither %s is set nor %s exists", StateKeyEnv, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("making the state key: %w", err)
	}
	key = adopt
	if key == nil {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("making the state key: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readStateKey(path) // made by another run meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("making the state key: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, fmt.Errorf("making the state key: %w", werr)
	}
	return key, nil
}

// readStateKey reads the key file, refusing one others may read.
func readStateKey(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the state key %s may be read by others (mode %04o): chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	data, err := readfile.Regular(path, 4096)
	if err != nil {
		return nil, fmt.Errorf("the state key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("the state key %s is not 16 or more bytes in base64", path)
	}
	return key, nil
}
