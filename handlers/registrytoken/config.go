package registrytoken

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Defaults and bounds of Config.
const (
	DefaultIssuer       = "urn:hypo:registry"
	DefaultRealm        = "registry-token"
	DefaultPlanClaim    = "stellaops:plan"
	DefaultLicenseClaim = "stellaops:license"
	// DefaultRequiredScope is the scope a caller's token must carry by
	// default (seed 001).
	DefaultRequiredScope = "registry.token.issue"
	// Grant modes (Config.Grants).
	GrantsPartial   = "partial"
	GrantsStrict    = "strict"
	DefaultLifetime = 5 * time.Minute
	// MinLifetime and MaxLifetime bound a token's lifetime (seed 001).
	// Below 60 s old Docker clients may refetch before every request: the
	// token protocol asks for at least 60 s, the seed allows 1 s.
	MinLifetime = time.Second
	MaxLifetime = time.Hour
	// DefaultRefreshLifetime is how long a refresh token (an identity token
	// docker keeps in config.json) stays usable unless revoked.
	DefaultRefreshLifetime = 30 * 24 * time.Hour
	MinRefreshLifetime     = time.Minute
	MaxRefreshLifetime     = 365 * 24 * time.Hour
)

// Signing algorithms and key id formats.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
	// KeyIDThumbprint is the RFC 7638 JWK thumbprint (SHA-256, base64url):
	// what distribution v3 computes for an RSA key of its rootcertbundle,
	// and what the JWKS this package writes names the key.
	KeyIDThumbprint = "thumbprint"
	// KeyIDLibtrust is the libtrust fingerprint that distribution v2 and
	// registries built on it expect.
	KeyIDLibtrust = "libtrust"
)

// Config configures the token service. registryd fills it from
// etc/registry-token.yaml (LoadFile) and the REGISTRY_TOKEN_* variables
// (listed in cmd/registryd/config_token.go); WithDefaults and Validate
// complete it.
type Config struct {
	// Enabled serves the token endpoint. registryd --dev turns it on with
	// DevDefaults.
	Enabled bool `yaml:"enabled"`
	// Issuer is the iss claim; the registry's auth.token.issuer must equal
	// it. Default "urn:hypo:registry".
	Issuer string `yaml:"issuer"`
	// Audience, if set, is the aud claim of every token; otherwise aud is
	// the service the client asked for.
	Audience string `yaml:"audience"`
	// Lifetime is exp - iat of a token: 1s to 1h, default 5m.
	Lifetime time.Duration `yaml:"lifetime"`
	// Realm is the token endpoint's URL as registries announce it (their
	// auth.token.realm); it is also the realm of the Basic challenge a 401
	// carries. Default "registry-token".
	Realm string `yaml:"realm"`
	// AllowedServices, if not empty, are the only service values served;
	// any other is refused (403).
	AllowedServices []string `yaml:"allowedServices"`
	// PlanClaim is the claim naming the caller's plan. Default
	// "stellaops:plan"; a caller without it gets DefaultPlan.
	PlanClaim string `yaml:"planClaim"`
	// LicenseClaim is the claim holding the caller's licence id, checked
	// against RevokedLicenses. Default "stellaops:license".
	LicenseClaim string `yaml:"licenseClaim"`
	// RequiredScopes must all be in the caller's token (its space-separated
	// scope claim, or scp as a string or a list), else 403 (seed 001's
	// Authority required scopes). nil: DefaultRequiredScopes; an empty list
	// (requiredScopes: [] or REGISTRY_TOKEN_REQUIRED_SCOPES=none) requires
	// none.
	RequiredScopes []string `yaml:"requiredScopes"`
	// Grants is how a request exceeding the caller's plan is answered:
	// GrantsPartial (default) issues a token with the actions the plan
	// allows, as the Docker token protocol does (the registry then refuses
	// what is missing, and docker pull of a public image works without
	// push rights); GrantsStrict refuses the whole request (403
	// plan_denied), as seed 001 does.
	Grants string `yaml:"grants"`
	// DefaultPlan is the plan of a caller whose token names none. Empty:
	// such a caller is refused (403).
	DefaultPlan string `yaml:"defaultPlan"`
	// AnonymousPlan, if set, serves callers without credentials (sub
	// empty) under that plan. Empty: they are refused (401).
	AnonymousPlan string `yaml:"anonymousPlan"`
	// RevokedLicenses are refused (403), and so are refresh tokens issued
	// under them.
	RevokedLicenses []string `yaml:"revokedLicenses"`
	// Plans is the plan catalogue.
	Plans []Plan `yaml:"plans"`
	// Signing configures the signing key.
	Signing SigningConfig `yaml:"signing"`
	// Refresh configures refresh tokens (offline_token=true).
	Refresh RefreshConfig `yaml:"refresh"`
	// Now is the clock. Default time.Now; tests set it.
	Now func() time.Time `yaml:"-"`
}

// SigningConfig names the signing key.
type SigningConfig struct {
	// KeyPath is a PEM file (PKCS#8, PKCS#1 or SEC 1; RSA of at least 2048
	// bits or ECDSA P-256) or a PFX/PKCS#12 file. It must not be readable
	// by group or others. Empty: a key is generated on first start in the
	// data directory and kept there.
	KeyPath string `yaml:"keyPath"`
	// KeyPassword decrypts a PFX file. Prefer the environment variable to
	// writing it in the file.
	KeyPassword string `yaml:"keyPassword"`
	// Algorithm is RS256 (default) or ES256: the kind of key generated,
	// and, if set, what a loaded key must be.
	Algorithm string `yaml:"algorithm"`
	// KeyID overrides the kid header. Empty: derived from the key by
	// KeyIDFormat.
	KeyID string `yaml:"keyId"`
	// KeyIDFormat is "thumbprint" (RFC 7638, default) or "libtrust".
	KeyIDFormat string `yaml:"keyIdFormat"`
}

// RefreshConfig configures refresh tokens.
type RefreshConfig struct {
	// Disabled ignores offline_token=true: no refresh token is issued and
	// the refresh_token grant is refused.
	Disabled bool `yaml:"disabled"`
	// Lifetime of a refresh token: 1m to 365d, default 30d.
	Lifetime time.Duration `yaml:"lifetime"`
}

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Issuer, DefaultIssuer)
	def(&c.Realm, DefaultRealm)
	def(&c.PlanClaim, DefaultPlanClaim)
	def(&c.LicenseClaim, DefaultLicenseClaim)
	def(&c.Grants, GrantsPartial)
	if c.RequiredScopes == nil {
		c.RequiredScopes = []string{DefaultRequiredScope}
	}
	def(&c.Signing.KeyIDFormat, KeyIDThumbprint)
	if c.Lifetime == 0 {
		c.Lifetime = DefaultLifetime
	}
	if c.Refresh.Lifetime == 0 {
		c.Refresh.Lifetime = DefaultRefreshLifetime
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports every problem, each naming the environment variable
// that sets it. Call it on WithDefaults.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Issuer == "" {
		bad("REGISTRY_TOKEN_ISSUER is empty")
	}
	if c.Lifetime < MinLifetime || c.Lifetime > MaxLifetime {
		bad("REGISTRY_TOKEN_LIFETIME %s: must be between %s and %s", c.Lifetime, MinLifetime, MaxLifetime)
	}
	if c.Refresh.Lifetime < MinRefreshLifetime || c.Refresh.Lifetime > MaxRefreshLifetime {
		bad("REGISTRY_TOKEN_REFRESH_LIFETIME %s: must be between %s and %s", c.Refresh.Lifetime, MinRefreshLifetime, MaxRefreshLifetime)
	}
	if c.PlanClaim == "" || c.LicenseClaim == "" {
		bad("REGISTRY_TOKEN_PLAN_CLAIM and REGISTRY_TOKEN_LICENSE_CLAIM must not be empty")
	}
	if slices.Contains(c.AllowedServices, "") {
		bad("REGISTRY_TOKEN_ALLOWED_SERVICES holds an empty service")
	}
	if c.Grants != GrantsPartial && c.Grants != GrantsStrict {
		bad("REGISTRY_TOKEN_GRANTS %q: want partial or strict", c.Grants)
	}
	for _, s := range c.RequiredScopes {
		if s == "" || strings.ContainsFunc(s, unicode.IsSpace) {
			bad("REGISTRY_TOKEN_REQUIRED_SCOPES %q: a scope is one word", s)
		}
	}
	switch c.Signing.Algorithm {
	case "", AlgRS256, AlgES256:
	default:
		bad("REGISTRY_TOKEN_SIGNING_ALGORITHM %q: want RS256 or ES256", c.Signing.Algorithm)
	}
	switch c.Signing.KeyIDFormat {
	case KeyIDThumbprint, KeyIDLibtrust:
	default:
		bad("REGISTRY_TOKEN_SIGNING_KEY_ID_FORMAT %q: want thumbprint or libtrust", c.Signing.KeyIDFormat)
	}
	cat, err := NewCatalogue(c.Plans)
	if err != nil {
		bad("REGISTRY_TOKEN_PLANS: %w", err)
	} else {
		if c.DefaultPlan != "" && !cat.Has(c.DefaultPlan) {
			bad("REGISTRY_TOKEN_DEFAULT_PLAN %q is not in the plan catalogue", c.DefaultPlan)
		}
		if c.AnonymousPlan != "" && !cat.Has(c.AnonymousPlan) {
			bad("REGISTRY_TOKEN_ANONYMOUS_PLAN %q is not in the plan catalogue", c.AnonymousPlan)
		}
	}
	if c.Now == nil {
		bad("registry token: no clock")
	}
	return errors.Join(errs...)
}

// DevDefaults fills what --dev needs to serve tokens out of the box: the
// service on, and, if no plans are configured, a small catalogue where
// every caller may pull and push repositories up to three segments deep
// ("dev", the default plan) and a read-only plan ("readonly").
func DevDefaults(c Config) Config {
	c.Enabled = true
	if len(c.Plans) == 0 {
		everywhere := func(actions ...string) []Rule {
			return []Rule{
				{Pattern: "*", Actions: actions},
				{Pattern: "*/*", Actions: actions},
				{Pattern: "*/*/*", Actions: actions},
			}
		}
		c.Plans = []Plan{
			{Name: "dev", Repositories: append(everywhere("pull", "push"), Rule{Type: "registry", Pattern: "catalog", Actions: []string{"*"}})},
			{Name: "readonly", Repositories: everywhere("pull")},
		}
		if c.DefaultPlan == "" {
			c.DefaultPlan = "dev"
		}
	}
	return c
}
