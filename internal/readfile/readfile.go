// Package readfile reads the small files a user names (a token file, a
// ${file:} reference, a spec) without ever blocking on one that is not a
// regular file and without reading more than a bound: a FIFO, a device
// such as /dev/zero, a directory or a file past the bound is an error
// said in words, found before anything is read.
package readfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"syscall"
)

// ErrNotRegular is wrapped by the error for a path that names a FIFO, a
// device, a socket or a directory.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by the error for a file past the bound.
var ErrTooLarge = errors.New("file too large")

// Regular returns the content of the regular file at path, of at most
// limit bytes. The file is opened without blocking (O_NONBLOCK: opening
// a FIFO waits for a writer otherwise) and checked with fstat before it
// is read, so that neither a FIFO nor a 2 GB file holds the caller; the
// read itself stops at limit+1 bytes, for files whose size the system
// does not report (those of /proc).
func Regular(path string, limit int64) ([]byte, error) {
	// Stat first: a FIFO is then refused without even being opened.
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if err := check(path, fi, limit); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Again on the file opened: the path may name another file by now.
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(path, fi, limit); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: more than %s (the most read)", path, ErrTooLarge, Size(limit))
	}
	return data, nil
}

// Open opens the regular file at path for reading, with the same checks as
// Regular and no bound on its size: for files read as a stream, such as a
// saved plan, that may be large but must never be a FIFO or a device.
func Open(path string) (*os.File, error) {
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if err := check(path, fi, math.MaxInt64); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = check(path, fi, math.MaxInt64)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func check(path string, fi fs.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, kind(fi.Mode()))
	}
	if fi.Size() > limit {
		return fmt.Errorf("%s: %w: %s, more than %s (the most read)", path, ErrTooLarge, Size(fi.Size()), Size(limit))
	}
	return nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}

// Size writes a number of bytes for people: "64 KiB", "2.0 GiB", "65537 B".
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
