package keyfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hypo-registry/registry/internal/security/keyfile"
)

func TestLoadOrCreate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "k.key")
	first, err := keyfile.LoadOrCreate(path, keyfile.Random(32))
	if err != nil || len(first) != 32 {
		t.Fatalf("create: %v (len %d)", err, len(first))
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	again, err := keyfile.LoadOrCreate(path, keyfile.Random(32))
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("second load made a new key: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := keyfile.Load(path); err == nil {
		t.Fatal("a world-readable key file was accepted")
	}
}
