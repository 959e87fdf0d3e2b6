package seal_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/security/seal"
)

func b64(n int, fill byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, n))
}

var (
	keyA = b64(32, 'A')
	keyB = b64(32, 'B')
)

func TestParseKeyring(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		current uint32
	}{
		{"one key", "1 " + keyA, 1},
		{"highest id wins", "7 " + keyA + "\n3 " + keyB + "\n", 7},
		{"comments blanks crlf", "# ring\r\n\r\n  2 " + keyA + "  \r\n# 9 not a key\r\n1 " + keyB, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ring, err := seal.ParseKeyring([]byte(tc.in))
			if err != nil {
				t.Fatalf("ParseKeyring: %v", err)
			}
			if ring.CurrentID() != tc.current {
				t.Fatalf("CurrentID = %d, want %d", ring.CurrentID(), tc.current)
			}
			again, err := seal.ParseKeyring(ring.Marshal())
			if err != nil || !bytes.Equal(again.Marshal(), ring.Marshal()) {
				t.Fatalf("Marshal does not round-trip: %v", err)
			}
		})
	}
}

func TestParseKeyringErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"only comments", "# nothing\n\n"},
		{"bare key", keyA},
		{"key before id", keyA + " 1"},
		{"three fields", "1 " + keyA + " extra"},
		{"id zero", "0 " + keyA},
		{"id negative", "-1 " + keyA},
		{"id not a number", "one " + keyA},
		{"id too large", "4294967296 " + keyA},
		{"duplicate id", "1 " + keyA + "\n1 " + keyB},
		{"short key", "1 " + b64(31, 'C')},
		{"long key", "1 " + b64(33, 'D')},
		{"aes-128 key", "1 " + b64(16, 'E')},
		{"bad base64", "1 " + strings.Replace(keyA, "Q", "!", 1)},
		{"url base64", "1 " + strings.Repeat("_-", 22)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ring, err := seal.ParseKeyring([]byte(tc.in))
			if !errors.Is(err, seal.ErrKeyring) {
				t.Fatalf("ParseKeyring = %v, %v; want ErrKeyring", ring, err)
			}
			for _, f := range strings.Fields(tc.in) {
				if len(f) > 8 && strings.Contains(err.Error(), f) {
					t.Fatalf("error %q echoes input that may be a key", err)
				}
			}
		})
	}
}

func TestLoadKeyringFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "keys", "seal.key")
	first, err := seal.LoadKeyring(file, "")
	if err != nil {
		t.Fatalf("LoadKeyring (create): %v", err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("key file mode = %04o, want 0600", perm)
	}
	second, err := seal.LoadKeyring(file, "")
	if err != nil {
		t.Fatalf("LoadKeyring (reload): %v", err)
	}
	if !bytes.Equal(first.Marshal(), second.Marshal()) {
		t.Fatal("reload returned a different ring")
	}
	sealed, _ := first.Seal([]byte(plaintext), []byte("p"))
	if got, err := second.Open(sealed, []byte("p")); err != nil || string(got) != plaintext {
		t.Fatalf("reloaded ring cannot open: %v", err)
	}
}

func TestLoadKeyringEnv(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		env     string
		current uint32
		wantErr bool
	}{
		{"bare key is id 1", keyA + "\n", 1, false},
		{"ring text", "1 " + keyA + "\n4 " + keyB, 4, false},
		{"bad bare key", b64(12, 'x'), 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "seal.key")
			ring, err := seal.LoadKeyring(file, tc.env)
			if tc.wantErr {
				if !errors.Is(err, seal.ErrKeyring) {
					t.Fatalf("LoadKeyring = %v; want ErrKeyring", err)
				}
				assertNoLeak(t, err, strings.TrimSpace(tc.env))
				return
			}
			if err != nil {
				t.Fatalf("LoadKeyring: %v", err)
			}
			if ring.CurrentID() != tc.current {
				t.Fatalf("CurrentID = %d, want %d", ring.CurrentID(), tc.current)
			}
			if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("env ring must not create the key file: %v", err)
			}
		})
	}
}

func TestLoadKeyringRefusesOpenFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "seal.key")
	if err := os.WriteFile(file, []byte("1 "+keyA+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := seal.LoadKeyring(file, ""); err == nil {
		t.Fatal("LoadKeyring accepted a world-readable key file")
	}
}
