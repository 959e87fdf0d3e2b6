package vault_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/identity/vault"
	"github.com/hypo-registry/registry/testkit"
)

const secretToken = "hvs.never-shown-anywhere"

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	valid := vault.Config{Addr: "https://vault.example:8200", AdminToken: secretToken}
	cases := []struct {
		name   string
		modify func(c *vault.Config)
		bad    string // "" when valid; else a word of the error
	}{
		{"defaults fill the rest", func(*vault.Config) {}, ""},
		{"keycloak prefix", func(c *vault.Config) { c.GroupAliasPrefix = "/" }, ""},
		{"nested jwt mount", func(c *vault.Config) { c.JWTMount = "org/jwt" }, ""},
		{"no addr", func(c *vault.Config) { c.Addr = "" }, "Addr"},
		{"addr without scheme", func(c *vault.Config) { c.Addr = "vault:8200" }, "Addr"},
		{"no token", func(c *vault.Config) { c.AdminToken = "" }, "AdminToken"},
		{"mount with dot-dot", func(c *vault.Config) { c.JWTMount = "../sys" }, "JWTMount"},
		{"mount with trailing slash", func(c *vault.Config) { c.JWTMount = "jwt/" }, "JWTMount"},
		{"prefix with space", func(c *vault.Config) { c.GroupAliasPrefix = "/ " }, "GroupAliasPrefix"},
		{"negative timeout", func(c *vault.Config) { c.Timeout = -time.Second }, "Timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := valid
			tc.modify(&c)
			err := c.Validate()
			if tc.bad == "" && err != nil || tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)) {
				t.Fatalf("Validate() = %v, want mention of %q", err, tc.bad)
			}
			if err != nil && strings.Contains(err.Error(), secretToken) {
				t.Fatalf("Validate() names the token: %v", err)
			}
		})
	}
}

func TestConfigHidesToken(t *testing.T) {
	t.Parallel()
	c := vault.Config{Addr: "https://vault.example:8200", AdminToken: secretToken}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "vault", c)
	for name, s := range map[string]string{
		"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"%s of pointer": fmt.Sprintf("%s", &c), "slog": logged.String(),
	} {
		if strings.Contains(s, secretToken) || !strings.Contains(s, "vault.example") {
			t.Errorf("%s = %s: want the address and not the token", name, s)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	cases := []struct {
		name  string
		cfg   vault.Config
		want  error
		names string // the error must name this
	}{
		{"invalid config", vault.Config{Addr: v.Addr}, handlers.ErrInvalid, "AdminToken"},
		{"nobody listening", vault.Config{Addr: closedAddr(t), AdminToken: secretToken}, handlers.ErrUnavailable, "127.0.0.1"},
		{"token refused", vault.Config{Addr: v.Addr, AdminToken: secretToken}, handlers.ErrForbidden, v.Addr},
		{"no such mount", vault.Config{Addr: v.Addr, AdminToken: v.RootToken, JWTMount: "nojwt"}, handlers.ErrInvalid, "nojwt"},
		{"mount of another type", vault.Config{Addr: v.Addr, AdminToken: v.RootToken, JWTMount: "token"}, handlers.ErrInvalid, `"token"`},
		{"missing CA file", vault.Config{Addr: v.Addr, AdminToken: secretToken, CACert: "/nonexistent/ca.pem"}, handlers.ErrInvalid, "ca.pem"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := vault.New(t.Context(), tc.cfg)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.names) {
				t.Fatalf("New: err = %v, want %v naming %q", err, tc.want, tc.names)
			}
			if strings.Contains(err.Error(), tc.cfg.AdminToken) && tc.cfg.AdminToken != "" {
				t.Fatalf("New: error names the token: %v", err)
			}
		})
	}
}

// TestForbiddenToken: an admin token lacking a capability is ErrForbidden,
// and the error does not carry the token.
func TestForbiddenToken(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	token := tokenWith(t, v, `path "sys/auth" { capabilities = ["read"] }`)
	admin, err := vault.New(t.Context(), vault.Config{Addr: v.Addr, AdminToken: token})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	err = admin.PutPolicy(t.Context(), handlers.Policy{Name: testkit.RandomTenant(t), Rules: `path "x" { capabilities = ["read"] }`})
	if !errors.Is(err, handlers.ErrForbidden) || strings.Contains(err.Error(), token) {
		t.Fatalf("PutPolicy: err = %v, want ErrForbidden without the token", err)
	}
	_, err = admin.GetGroup(t.Context(), testkit.RandomTenant(t))
	if !errors.Is(err, handlers.ErrForbidden) {
		t.Fatalf("GetGroup: err = %v, want ErrForbidden", err)
	}
}

// TestVaultGone: once Vault cannot be reached, every call is ErrUnavailable.
// A real proxy in front of the shared Vault stands in for the network.
func TestVaultGone(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	target, err := url.Parse(v.Addr)
	if err != nil {
		t.Fatalf("parse %s: %v", v.Addr, err)
	}
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	admin, err := vault.New(t.Context(), vault.Config{
		Addr: proxy.URL, AdminToken: tokenWith(t, v, vault.AdminPolicyHCL), Timeout: 5 * time.Second,
	})
	if err != nil {
		proxy.Close()
		t.Fatalf("New: %v", err)
	}
	proxy.Close()
	name := testkit.RandomTenant(t)
	calls := map[string]error{
		"CreatePolicy": admin.CreatePolicy(t.Context(), handlers.Policy{Name: name, Rules: `path "x" { capabilities = ["read"] }`}),
		"DeleteGroup":  admin.DeleteGroup(t.Context(), name),
	}
	_, calls["GetGroup"] = admin.GetGroup(t.Context(), name)
	for op, err := range calls {
		if !errors.Is(err, handlers.ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", op, err)
		}
	}
}

// closedAddr is a loopback URL nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}
