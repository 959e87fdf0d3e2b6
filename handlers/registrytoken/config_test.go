package registrytoken_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers/registrytoken"
)

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

// The file is read whole, unknown keys refused; an empty file is the zero
// Config.
func TestLoadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cfg, err := registrytoken.LoadFile(write("full.yaml", yamlConfig))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Enabled || cfg.Issuer != "https://token.example.com" || cfg.Lifetime != 10*time.Minute ||
		cfg.Signing.KeyIDFormat != registrytoken.KeyIDLibtrust || cfg.Refresh.Lifetime != 168*time.Hour ||
		len(cfg.Plans) != 2 || cfg.Plans[1].Repositories[1].Type != "registry" {
		t.Errorf("cfg = %+v", cfg)
	}
	if cfg, err := registrytoken.LoadFile(write("empty.yaml", "")); err != nil || cfg.Enabled || len(cfg.Plans) != 0 {
		t.Errorf("empty file: %+v, %v", cfg, err)
	}
	if _, err := registrytoken.LoadFile(write("typo.yaml", "lifetme: 5m\n")); err == nil || !strings.Contains(err.Error(), "lifetme") {
		t.Errorf("misspelt key: error %v, want one naming lifetme", err)
	}
}

// A plan catalogue given as one value may be YAML or JSON; unknown keys
// are refused.
func TestParsePlans(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		`[{"name":"gold","repositories":[{"pattern":"*/*","actions":["pull","push"]}]}]`,
		"- name: gold\n  repositories:\n    - pattern: \"*/*\"\n      actions: [pull, push]\n",
	} {
		plans, err := registrytoken.ParsePlans(text)
		if err != nil || len(plans) != 1 || plans[0].Name != "gold" || len(plans[0].Repositories[0].Actions) != 2 {
			t.Errorf("%q: %+v, %v", text, plans, err)
		}
	}
	for _, text := range []string{"{name: x}", `[{"name":"gold","repos":[]}]`} {
		if _, err := registrytoken.ParsePlans(text); err == nil {
			t.Errorf("%q: accepted", text)
		}
	}
}
