package terminaltoken_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/hypo-registry/registry/internal/security/terminaltoken"
)

func TestKeyIsCreatedPrivateAndKept(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "terminal-signing.key")
	first, err := terminaltoken.LoadOrCreate(path, terminaltoken.Config{})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if block, _ := pem.Decode(b); block == nil || block.Type != "PRIVATE KEY" {
		t.Errorf("key file is not PKCS#8 PEM: %q", b)
	}
	again, err := terminaltoken.LoadOrCreate(path, terminaltoken.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if again.KID() != first.KID() {
		t.Errorf("kid changed across loads: %s then %s", first.KID(), again.KID())
	}
}

func TestKeyFileRefusals(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for _, tc := range []struct {
		name    string
		content []byte
		mode    os.FileMode
	}{
		{"readable by others", nil, 0o644},
		{"not PEM", []byte("not a key"), 0o600},
		{"an RSA key", rsaPEM, 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "terminal-signing.key")
			content := tc.content
			if content == nil { // a valid key, made by the package itself
				if _, err := terminaltoken.LoadOrCreate(path, terminaltoken.Config{}); err != nil {
					t.Fatal(err)
				}
				content, _ = os.ReadFile(path)
				os.Remove(path)
			}
			if err := os.WriteFile(path, content, tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			if _, err := terminaltoken.LoadOrCreate(path, terminaltoken.Config{}); err == nil {
				t.Error("accepted")
			}
		})
	}
}
