package vault_test

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/vault"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  vault.Config
		want []string // substrings of the error; none = valid
	}{
		{"minimal", vault.Config{Addr: "http://127.0.0.1:8200"}, nil},
		{"full", vault.Config{
			Addr: "https://vault:8200", Mount: "kv/hypo", AuthMount: "oidc-jwt", Role: "r",
			Timeout: time.Second, MaxRetries: -1, TokenRenewSkew: time.Minute, MaxCachedTokens: 5,
		}, nil},
		{"missing addr", vault.Config{}, []string{"REGISTRY_VAULT_ADDR"}},
		{"relative addr", vault.Config{Addr: "vault:8200"}, []string{"REGISTRY_VAULT_ADDR"}},
		{"every problem at once", vault.Config{
			Addr: "ftp://x", Mount: "../sys", AuthMount: "a//b", Role: "r*",
			Timeout: -time.Second, TokenRenewSkew: -time.Second, MaxCachedTokens: -1,
			CACert: filepath.Join(t.TempDir(), "missing.pem"),
		}, []string{
			"REGISTRY_VAULT_ADDR", "REGISTRY_VAULT_MOUNT", "REGISTRY_VAULT_AUTH_MOUNT", "REGISTRY_VAULT_ROLE",
			"REGISTRY_VAULT_TIMEOUT", "REGISTRY_VAULT_TOKEN_RENEW_SKEW", "REGISTRY_VAULT_TOKEN_CACHE_SIZE",
			"REGISTRY_VAULT_CACERT",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted an invalid config")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

func TestNewRefusesInvalidConfig(t *testing.T) {
	t.Parallel()
	_, err := vault.New(t.Context(), vault.Config{})
	if !errors.Is(err, handlers.ErrInvalid) {
		t.Fatalf("New with empty config: %v, want ErrInvalid", err)
	}
}

// TestNewUnreachable: nothing listens at the address; New fails at once,
// naming it.
func TestNewUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	ln.Close()
	start := time.Now()
	_, err = vault.New(t.Context(), vault.Config{Addr: addr, Timeout: 2 * time.Second})
	if err == nil {
		t.Fatal("New succeeded against a closed port")
	}
	if !errors.Is(err, handlers.ErrUnavailable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("New: %q, want ErrUnavailable naming %s", err, addr)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("New took %s to fail", took)
	}
}
