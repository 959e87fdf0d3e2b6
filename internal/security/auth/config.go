// Package auth verifies the bearer JWTs that every REST request and Kafka
// record carries, and turns a verified token into the Caller handlers act for.
// It fails closed: a JWKS that cannot be fetched at start is an error, and any
// doubt about a token is ErrUnauthenticated.
package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
)

// MaxLeeway bounds clock skew tolerance: a larger leeway would let expired
// tokens live on noticeably past their exp.
const MaxLeeway = 2 * time.Minute

// DefaultJWKSRefresh is how often the JWKS is fetched again by default: a
// key removed from the issuer's JWKS is refused at most this long (plus one
// fetch) after its removal.
const DefaultJWKSRefresh = 5 * time.Minute

// MinJWKSRefresh is the shortest refresh interval accepted, a floor against
// a misconfiguration that would fetch the JWKS in a busy loop. registryd
// asks operators for at least a second; tests go lower.
const MinJWKSRefresh = 100 * time.Millisecond

// DefaultAlgorithms are the asymmetric JWS algorithms accepted by default.
// HMAC is never accepted: with a JWKS of public keys it only enables
// key-confusion attacks.
var DefaultAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Config configures a Verifier.
type Config struct {
	// Issuer is the expected "iss" claim and, without JWKSURL, the base URL
	// of the OIDC discovery document. Required.
	Issuer string
	// JWKSURL is where the signing keys are published. Empty: the jwks_uri
	// of Issuer + "/.well-known/openid-configuration".
	JWKSURL string
	// Audience must appear in the "aud" claim. Required.
	Audience string
	// Leeway tolerates clock skew on exp, nbf and iat. Zero means 30s; it
	// may not be negative or above MaxLeeway.
	Leeway time.Duration
	// GroupsClaim holds the groups; the first one is the tenant. Looked up
	// like RolesClaim. Default "groups".
	GroupsClaim string
	// RolesClaim holds the roles. A dotted path ("realm_access.roles")
	// walks nested objects, as Keycloak nests realm roles; a top-level claim
	// whose name contains dots is matched first. Default "roles".
	RolesClaim string
	// JWKSRefresh is how often the key set is fetched again, so a key the
	// issuer removed stops being trusted within one interval (plus one
	// fetch, at most 10s). A failed refresh keeps the last fetched set.
	// Zero means DefaultJWKSRefresh; otherwise at least MinJWKSRefresh.
	JWKSRefresh time.Duration
	// Logger receives failed JWKS refreshes. Default slog.Default().
	Logger *slog.Logger
	// Algorithms are the accepted "alg" values, a subset of
	// DefaultAlgorithms (the default). "none" and HS* are refused.
	Algorithms []string
}

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.Leeway == 0 {
		c.Leeway = 30 * time.Second
	}
	if c.JWKSRefresh == 0 {
		c.JWKSRefresh = DefaultJWKSRefresh
	}
	if c.GroupsClaim == "" {
		c.GroupsClaim = "groups"
	}
	if c.RolesClaim == "" {
		c.RolesClaim = "roles"
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = slices.Clone(DefaultAlgorithms)
	}
	return c
}

// Validate reports every problem of c at once, each naming its field.
// Zero fields are valid: they take their defaults.
func (c Config) Validate() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, errors.New("Issuer is required"))
	} else if err := checkHTTPURL(c.Issuer); err != nil {
		errs = append(errs, fmt.Errorf("Issuer: %w", err))
	}
	if c.JWKSURL != "" {
		if err := checkHTTPURL(c.JWKSURL); err != nil {
			errs = append(errs, fmt.Errorf("JWKSURL: %w", err))
		}
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("Audience is required"))
	}
	if c.Leeway < 0 || c.Leeway > MaxLeeway {
		errs = append(errs, fmt.Errorf("Leeway %s: must be between 0 and %s", c.Leeway, MaxLeeway))
	}
	if c.JWKSRefresh != 0 && c.JWKSRefresh < MinJWKSRefresh {
		errs = append(errs, fmt.Errorf("JWKSRefresh %s: must be at least %s", c.JWKSRefresh, MinJWKSRefresh))
	}
	for _, alg := range c.Algorithms {
		switch {
		case strings.EqualFold(alg, "none"):
			errs = append(errs, errors.New(`Algorithms: "none" is never accepted`))
		case strings.HasPrefix(strings.ToUpper(alg), "HS"):
			errs = append(errs, fmt.Errorf("Algorithms: %q is symmetric; only asymmetric algorithms are accepted", alg))
		case !slices.Contains(DefaultAlgorithms, alg):
			errs = append(errs, fmt.Errorf("Algorithms: %q is not one of %v", alg, DefaultAlgorithms))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("auth config: %w", err)
	}
	return nil
}

// checkHTTPURL accepts absolute http and https URLs with a host.
func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q: want http or https", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("URL has no host")
	}
	return nil
}
