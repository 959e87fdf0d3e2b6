// Package keyfile loads key material from a file, creating it with 0600
// permissions on first use. It refuses files that others can read.
package keyfile

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadOrCreate returns the contents of path. If the file does not exist it is
// created, with 0600 permissions in a 0700 directory, holding what generate
// returns. A file readable by group or others is refused: key material must be
// private to the service's user.
func LoadOrCreate(path string, generate func() ([]byte, error)) ([]byte, error) {
	b, err := Load(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	content, err := generate()
	if err != nil {
		return nil, fmt.Errorf("keyfile %s: generate: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keyfile %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it first: use theirs.
		return Load(path)
	}
	if err != nil {
		return nil, fmt.Errorf("keyfile %s: %w", path, err)
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return nil, fmt.Errorf("keyfile %s: write: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("keyfile %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("keyfile %s: %w", path, err)
	}
	return content, nil
}

// Load reads path, refusing a file that group or others can access.
func Load(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("keyfile: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("keyfile %s: permissions %04o are too open, want 0600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyfile: %w", err)
	}
	return b, nil
}

// Random returns a generator of n random bytes, for LoadOrCreate.
func Random(n int) func() ([]byte, error) {
	return func() ([]byte, error) {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		return b, nil
	}
}
