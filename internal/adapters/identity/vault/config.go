package vault

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/hypo-registry/registry/internal/secretpath"
)

// Config configures the Vault identity admin.
type Config struct {
	// Addr is Vault's base URL, "https://vault.example:8200". Required.
	Addr string
	// AdminToken is the service's admin token, used for group and policy
	// management only (AdminPolicyHCL lists what it needs). Required. It is
	// a credential: String and LogValue leave it out, and no error names it.
	AdminToken string
	// JWTMount is the path of the JWT auth method callers log in at; group
	// aliases are made on it. Default "jwt".
	JWTMount string
	// GroupAliasPrefix is put before a group's name to make its alias, which
	// must equal the group as it appears in the tokens' groups claim: ""
	// (default) for bare names ("tenant-a"), "/" for Keycloak's full group
	// paths ("/tenant-a"), "/parent/" for Keycloak subgroups.
	GroupAliasPrefix string
	// Timeout bounds each request to Vault; after one goes unanswered this
	// long, requests fail at once for vaultconn.HoldOff. Default 5s, as
	// REGISTRY_VAULT_TIMEOUT's.
	Timeout time.Duration
	// CACert is a PEM file holding the CA(s) that signed Vault's
	// certificate; empty trusts the system pool.
	CACert string
}

// Validate reports every problem with c, joined. Defaults count as set.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if u, err := url.Parse(c.Addr); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("Addr %q is not an http(s) URL with a host", c.Addr))
	}
	if c.AdminToken == "" {
		errs = append(errs, errors.New("AdminToken is empty"))
	}
	for seg := range strings.SplitSeq(c.JWTMount, "/") {
		if err := secretpath.CheckSegment("JWTMount segment", seg); err != nil {
			errs = append(errs, fmt.Errorf("JWTMount %q: %w", c.JWTMount, err))
			break
		}
	}
	if strings.IndexFunc(c.GroupAliasPrefix, func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) }) >= 0 {
		errs = append(errs, fmt.Errorf("GroupAliasPrefix %q holds a space, control or invisible character", c.GroupAliasPrefix))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("Timeout %s is negative", c.Timeout))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.JWTMount == "" {
		c.JWTMount = "jwt"
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	return c
}

// String leaves the admin token out, so %v and %+v never print it.
func (c Config) String() string {
	return fmt.Sprintf("vaultidentity.Config{Addr: %q, JWTMount: %q, GroupAliasPrefix: %q, Timeout: %s, CACert: %q}",
		c.Addr, c.JWTMount, c.GroupAliasPrefix, c.Timeout, c.CACert)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }

// LogValue leaves the admin token out of every log line.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("addr", c.Addr), slog.String("jwt_mount", c.JWTMount),
		slog.String("group_alias_prefix", c.GroupAliasPrefix), slog.Duration("timeout", c.Timeout))
}
