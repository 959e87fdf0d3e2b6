package vault

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config configures a Store. Zero fields take their defaults; each problem
// Validate reports names the environment variable cmd/registryd reads the
// field from.
type Config struct {
	// Addr is Vault's base URL, "https://vault.example:8200".
	// REGISTRY_VAULT_ADDR; required.
	Addr string
	// Mount is the KV v2 mount path. REGISTRY_VAULT_MOUNT; default "hypo".
	Mount string
	// AuthMount is the JWT auth mount where callers' JWTs are exchanged.
	// REGISTRY_VAULT_AUTH_MOUNT; default "jwt".
	AuthMount string
	// Role is the JWT auth role logged in with. REGISTRY_VAULT_ROLE;
	// default "registry".
	Role string
	// Timeout bounds one attempt of one operation: token exchange and
	// request together. A call that times out is ErrUnavailable and
	// ErrTimeout, not retried, and further requests fail at once for
	// vaultconn.HoldOff: a hung Vault is answered within Timeout.
	// REGISTRY_VAULT_TIMEOUT; default 5s.
	Timeout time.Duration
	// MaxRetries is how many times the adapter itself retries an operation
	// after a transient failure (unreachable, 5xx, sealed), with a short
	// backoff; no other error, a timeout included, is retried.
	// REGISTRY_VAULT_MAX_RETRIES; default 0 (a negative value is 0 too):
	// the command bus already retries transient failures, and a second
	// layer here multiplies the attempts and stretches a 503 past the
	// REGISTRY_VAULT_TIMEOUT + 1 s bound.
	MaxRetries int
	// TokenRenewSkew is how long before its Vault token or its JWT expires
	// an exchanged token stops being reused. REGISTRY_VAULT_TOKEN_RENEW_SKEW;
	// default 30s.
	TokenRenewSkew time.Duration
	// CACert is a PEM file of CA certificates to verify Vault's TLS
	// certificate with; empty uses the system roots. REGISTRY_VAULT_CACERT.
	CACert string
	// MaxCachedTokens bounds the exchanged-token cache.
	// REGISTRY_VAULT_TOKEN_CACHE_SIZE; default 10000.
	MaxCachedTokens int
}

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.Mount == "" {
		c.Mount = "hypo"
	}
	if c.AuthMount == "" {
		c.AuthMount = "jwt"
	}
	if c.Role == "" {
		c.Role = "registry"
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	c.MaxRetries = max(c.MaxRetries, 0)
	if c.TokenRenewSkew == 0 {
		c.TokenRenewSkew = 30 * time.Second
	}
	if c.MaxCachedTokens == 0 {
		c.MaxCachedTokens = 10000
	}
	return c
}

// Validate reports every problem of c at once, each naming its variable.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("REGISTRY_VAULT_ADDR is required"))
	} else if u, err := url.Parse(c.Addr); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("REGISTRY_VAULT_ADDR %q: want an absolute http or https URL", c.Addr))
	}
	for _, m := range []struct{ name, value string }{
		{"REGISTRY_VAULT_MOUNT", c.Mount},
		{"REGISTRY_VAULT_AUTH_MOUNT", c.AuthMount},
		{"REGISTRY_VAULT_ROLE", c.Role},
	} {
		if err := checkMountPath(m.value); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", m.name, m.value, err))
		}
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("REGISTRY_VAULT_TIMEOUT %s: may not be negative", c.Timeout))
	}
	if c.TokenRenewSkew < 0 {
		errs = append(errs, fmt.Errorf("REGISTRY_VAULT_TOKEN_RENEW_SKEW %s: may not be negative", c.TokenRenewSkew))
	}
	if c.MaxCachedTokens < 0 {
		errs = append(errs, fmt.Errorf("REGISTRY_VAULT_TOKEN_CACHE_SIZE %d: may not be negative", c.MaxCachedTokens))
	}
	if c.CACert != "" {
		if _, err := os.Stat(c.CACert); err != nil {
			errs = append(errs, fmt.Errorf("REGISTRY_VAULT_CACERT: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("vault config: %w", err)
	}
	return nil
}

// checkMountPath accepts "" (the default applies) or slash-separated
// segments without empty, "." or ".." parts, so a mount can never climb out
// of its place in Vault's API.
func checkMountPath(p string) error {
	if p == "" {
		return nil
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "?#%*+ \t\r\n\\") {
			return errors.New("want slash-separated names without empty, '.' or '..' segments or reserved characters")
		}
	}
	return nil
}
