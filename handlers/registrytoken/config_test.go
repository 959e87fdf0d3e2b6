package registrytoken_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers/registrytoken"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLifetimeBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lifetime time.Duration
		want     time.Duration // 0: refused
	}{
		{0, registrytoken.DefaultLifetime},
		{time.Second, time.Second},
		{time.Minute, time.Minute},
		{time.Hour, time.Hour},
		{999 * time.Millisecond, 0},
		{time.Hour + time.Second, 0},
		{-time.Minute, 0},
	} {
		cfg := registrytoken.Config{Lifetime: tc.lifetime}.WithDefaults()
		err := cfg.Validate()
		switch {
		case tc.want == 0 && (err == nil || !strings.Contains(err.Error(), "REGISTRY_TOKEN_LIFETIME")):
			t.Errorf("lifetime %s: error %v, want one naming REGISTRY_TOKEN_LIFETIME", tc.lifetime, err)
		case tc.want != 0 && err != nil:
			t.Errorf("lifetime %s: %v", tc.lifetime, err)
		case tc.want != 0 && cfg.Lifetime != tc.want:
			t.Errorf("lifetime %s: got %s, want %s", tc.lifetime, cfg.Lifetime, tc.want)
		}
	}
	if registrytoken.DefaultLifetime != 5*time.Minute {
		t.Errorf("default lifetime %s, want 5m", registrytoken.DefaultLifetime)
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg := registrytoken.Config{}.WithDefaults()
	if cfg.PlanClaim != "stellaops:plan" || cfg.LicenseClaim != "stellaops:license" || cfg.Issuer == "" ||
		cfg.Signing.KeyIDFormat != registrytoken.KeyIDThumbprint || cfg.Refresh.Lifetime != registrytoken.DefaultRefreshLifetime {
		t.Errorf("defaults: %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
	dev := registrytoken.DevDefaults(registrytoken.Config{}).WithDefaults()
	if err := dev.Validate(); err != nil || !dev.Enabled || dev.DefaultPlan != "dev" {
		t.Errorf("dev defaults: %+v, %v", dev, err)
	}
}

func TestValidateNamesTheVariable(t *testing.T) {
	t.Parallel()
	plans := []registrytoken.Plan{{Name: "p", Repositories: []registrytoken.Rule{{Pattern: "*", Actions: []string{"pull"}}}}}
	for _, tc := range []struct {
		name string
		cfg  registrytoken.Config
		want string
	}{
		{"refresh lifetime", registrytoken.Config{Refresh: registrytoken.RefreshConfig{Lifetime: time.Second}}, "REGISTRY_TOKEN_REFRESH_LIFETIME"},
		{"algorithm", registrytoken.Config{Signing: registrytoken.SigningConfig{Algorithm: "HS256"}}, "REGISTRY_TOKEN_SIGNING_ALGORITHM"},
		{"kid format", registrytoken.Config{Signing: registrytoken.SigningConfig{KeyIDFormat: "x5t"}}, "REGISTRY_TOKEN_SIGNING_KEY_ID_FORMAT"},
		{"default plan", registrytoken.Config{Plans: plans, DefaultPlan: "gold"}, "REGISTRY_TOKEN_DEFAULT_PLAN"},
		{"anonymous plan", registrytoken.Config{Plans: plans, AnonymousPlan: "gold"}, "REGISTRY_TOKEN_ANONYMOUS_PLAN"},
		{"bad plan", registrytoken.Config{Plans: []registrytoken.Plan{{Name: "p"}, {Name: "p"}}}, "REGISTRY_TOKEN_PLANS"},
		{"empty service", registrytoken.Config{AllowedServices: []string{""}}, "REGISTRY_TOKEN_ALLOWED_SERVICES"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.WithDefaults().Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

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

func TestLoadConfigFileThenEnvironment(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "registry-token.yaml")
	if err := os.WriteFile(path, []byte(yamlConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := registrytoken.LoadConfig(env(map[string]string{
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

func TestApplyEnvPlans(t *testing.T) {
	t.Parallel()
	cfg, err := registrytoken.ApplyEnv(registrytoken.Config{}, env(map[string]string{
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

func TestLoadConfigRefusals(t *testing.T) {
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
			_, err := registrytoken.LoadConfig(env(tc.env))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}
