// Package terminaltoken signs the registry's terminal access tokens: short-
// lived ES256 JWTs bound to one stored kubeconfig, which a terminal gateway
// verifies against the public JWKS the registry serves. The signing key is a
// P-256 key kept, PKCS#8 PEM with 0600 permissions, in the data directory.
package terminaltoken

import (
	"errors"
	"fmt"
	"time"
)

// Defaults and bounds of Config.
const (
	DefaultIssuer   = "urn:hypo:registry"
	DefaultAudience = "terminal"
	DefaultTTL      = 5 * time.Minute
	// MaxTTL bounds a token's lifetime: it opens a shell on a cluster.
	MaxTTL = 15 * time.Minute
)

// Config configures the signer.
type Config struct {
	// Issuer is the iss claim (REGISTRY_TERMINAL_TOKEN_ISSUER). Default
	// "urn:hypo:registry".
	Issuer string
	// Audience is the aud claim (REGISTRY_TERMINAL_TOKEN_AUDIENCE): what a
	// gateway must expect. Default "terminal".
	Audience string
	// TTL is a token's lifetime, exp - iat (REGISTRY_TERMINAL_TOKEN_TTL).
	// Default 5m; at most 15m.
	TTL time.Duration
	// Now is the clock. Default time.Now; tests set it.
	Now func() time.Time
}

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports every problem, naming the environment variable to fix.
// Call it on WithDefaults.
func (c Config) Validate() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, errors.New("REGISTRY_TERMINAL_TOKEN_ISSUER is empty"))
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("REGISTRY_TERMINAL_TOKEN_AUDIENCE is empty"))
	}
	if c.TTL < time.Second || c.TTL > MaxTTL {
		errs = append(errs, fmt.Errorf("REGISTRY_TERMINAL_TOKEN_TTL %s: must be between 1s and %s", c.TTL, MaxTTL))
	}
	if c.Now == nil {
		errs = append(errs, errors.New("terminal token: no clock"))
	}
	return errors.Join(errs...)
}
