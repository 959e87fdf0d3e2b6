package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers/registrytoken"
)

const yamlConfig = `
enabled: true
issuer: https://token.example.com
lifetime: 10m
realm: https://token.example.com/token
allowedServices: [registry.example.com]
defaultPlan: community
revokedLicenses: [lic-1]
plans:
  - name: community
    repositories:
      - pattern: "library/*"
        actions: [pull]
  - name: team
    repositories:
      - pattern: "team-a/*"
        actions: [pull, push]
      - type: registry
        pattern: catalog
        actions: ["*"]
signing:
  keyPath: /etc/registry/token.pfx
  keyIdFormat: libtrust
refresh:
  lifetime: 168h
`

func TestRegistryTokenConfigFileThenEnvironment(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "registry-token.yaml")
	if err := os.WriteFile(path, []byte(yamlConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := registryTokenConfig(env(map[string]string{
		"REGISTRY_TOKEN_CONFIG":               path,
		"REGISTRY_TOKEN_LIFETIME":             "90s",
		"REGISTRY_TOKEN_ALLOWED_SERVICES":     "a.example.com, b.example.com",
		"REGISTRY_TOKEN_SIGNING_KEY_PASSWORD": "pfx-pass",
		"REGISTRY_TOKEN_REVOKED_LICENSES":     "",  // set but empty: the file's value stays
		"REGISTRY_TOKEN_AUDIENCE":             " ", // blank counts as unset
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Enabled || cfg.Issuer != "https://token.example.com" || cfg.Lifetime != 90*time.Second ||
		strings.Join(cfg.AllowedServices, ",") != "a.example.com,b.example.com" ||
		cfg.Signing.KeyPath != "/etc/registry/token.pfx" || cfg.Signing.KeyPassword != "pfx-pass" ||
		cfg.Signing.KeyIDFormat != registrytoken.KeyIDLibtrust || cfg.Refresh.Lifetime != 168*time.Hour ||
		strings.Join(cfg.RevokedLicenses, ",") != "lic-1" || cfg.Audience != "" || len(cfg.Plans) != 2 ||
		cfg.Plans[1].Repositories[1].Type != "registry" {
		t.Errorf("cfg = %+v", cfg)
	}
	if err := cfg.WithDefaults().Validate(); err != nil {
		t.Errorf("loaded config does not validate: %v", err)
	}
}

func TestRegistryTokenEnvPlans(t *testing.T) {
	t.Parallel()
	cfg, err := applyRegistryTokenEnv(registrytoken.Config{}, env(map[string]string{
		"REGISTRY_TOKEN_PLANS":        `[{"name":"gold","repositories":[{"pattern":"*/*","actions":["pull","push"]}]}]`,
		"REGISTRY_TOKEN_DEFAULT_PLAN": "gold",
		"REGISTRY_TOKEN_ENABLED":      "true",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Plans) != 1 || cfg.Plans[0].Name != "gold" || cfg.DefaultPlan != "gold" || !cfg.Enabled {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestRegistryTokenConfigRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.yaml")
	if err := os.WriteFile(typo, []byte("lifetme: 5m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // "" means no error
	}{
		{"missing named file", map[string]string{"REGISTRY_TOKEN_CONFIG": filepath.Join(dir, "nope.yaml")}, "REGISTRY_TOKEN_CONFIG"},
		{"misspelt key", map[string]string{"REGISTRY_TOKEN_CONFIG": typo}, "lifetme"},
		{"empty file", map[string]string{"REGISTRY_TOKEN_CONFIG": empty}, ""},
		{"no file named, none at the default path", map[string]string{}, ""},
		{"bad duration", map[string]string{"REGISTRY_TOKEN_CONFIG": empty, "REGISTRY_TOKEN_LIFETIME": "soon"}, "REGISTRY_TOKEN_LIFETIME"},
		{"bad bool", map[string]string{"REGISTRY_TOKEN_CONFIG": empty, "REGISTRY_TOKEN_ENABLED": "yes please"}, "REGISTRY_TOKEN_ENABLED"},
		{"bad plans", map[string]string{"REGISTRY_TOKEN_CONFIG": empty, "REGISTRY_TOKEN_PLANS": "{name: x}"}, "REGISTRY_TOKEN_PLANS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := registryTokenConfig(env(tc.env))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestRegistryTokenRequiredScopes(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		"":                              "registry.token.issue", // unset: the seed's default
		"none":                          "",
		"registry.token.issue, extra.x": "registry.token.issue,extra.x",
	} {
		cfg, err := applyRegistryTokenEnv(registrytoken.Config{}, env(map[string]string{"REGISTRY_TOKEN_REQUIRED_SCOPES": value}))
		if err != nil {
			t.Fatal(err)
		}
		cfg = cfg.WithDefaults()
		if got := strings.Join(cfg.RequiredScopes, ","); got != want {
			t.Errorf("REGISTRY_TOKEN_REQUIRED_SCOPES=%q: %q, want %q", value, got, want)
		}
	}
	// The compose stack's plan file turns the check off with an empty list.
	cfg, err := registrytoken.LoadFile("../../deploy/registry/registry-token.yaml")
	if err != nil || cfg.RequiredScopes == nil || len(cfg.WithDefaults().RequiredScopes) != 0 {
		t.Errorf("compose plan file: %v %v", cfg.RequiredScopes, err)
	}
}
