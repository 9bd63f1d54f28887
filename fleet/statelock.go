package fleet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"
)

// stateLockWait is how long save waits for another apply's lock; a lock
// is held only while a state file is read and written again.
const stateLockWait = 30 * time.Second

// staleStateLock is the age past which a lock file is one left behind by
// a run that died while holding it.
const staleStateLock = 2 * time.Minute

// lockState takes the lock of the state file at path: the file path +
// ".lock", created with O_EXCL (on every system, unlike flock). It
// returns the function that releases it.
func lockState(path string) (func(), error) {
	lock := path + ".lock"
	deadline := time.Now().Add(stateLockWait)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		f, err := os.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_, _ = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
			f.Close()
			return func() { os.Remove(lock) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("fleet: lock state file: %w", err)
		}
		if fi, err := os.Stat(lock); err == nil && time.Since(fi.ModTime()) > staleStateLock {
			os.Remove(lock)
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("fleet: state file %s is locked by another apply (%s) for %v; if none is running, remove the lock file", path, lock, stateLockWait)
		}
		time.Sleep(wait)
	}
}
