// Package service is the composition root of registryd: it builds every
// adapter from one Config and runs them together. Only cmd/registryd (and
// tests, through testkit) build a Service; only cmd/ reads the environment.
package app

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/internal/adapters/identity/vault"
	vaultstore "github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/security/terminaltoken"
)

// Config is the whole service configuration. cmd/registryd fills it from
// flags and REGISTRY_* variables; the README documents each.
type Config struct {
	// HTTPAddr is the REST listener. Default ":8091".
	HTTPAddr string
	// TLS, when its files are set, makes the REST listener HTTPS (and
	// mutual TLS with a client CA), with HSTS on every response.
	TLS TLSConfig
	// DataDir holds the embedded store, event log, projections and keys.
	// Default "./data".
	DataDir string
	// InstanceID names this instance (REGISTRY_INSTANCE_ID): its
	// projections' consumer group and the log-level response. Default: the
	// id stored in DataDir/instance-id, else the hostname (then stored).
	InstanceID string
	// Kafka, when Kafka.Brokers is set, makes the event log the Kafka topic
	// registry.events and feeds projections from it; otherwise the event log
	// is the embedded bbolt file.
	Kafka kafka.Config
	// Southbound configures the HypO Kafka topics of seed 000, consumed and
	// answered whenever Kafka.Brokers is set (unless disabled).
	Southbound SouthboundConfig
	// Vault, when Vault.Addr is set, makes HashiCorp Vault the secret store
	// (callers' JWTs exchanged for tenant-scoped tokens); otherwise secrets
	// are sealed in the embedded bbolt file.
	Vault vaultstore.Config
	// VaultAdmin manages identity groups and ACL policies with the admin
	// token (Addr, CACert and Timeout are taken from Vault). Without an
	// admin token the identity records are kept embedded.
	VaultAdmin vault.Config
	// OIDC verifies bearer tokens. In Dev mode Issuer and Audience default
	// to the built-in dev issuer's.
	OIDC auth.Config
	// Dev starts the built-in dev issuer on DevIssuerAddr and trusts it.
	Dev bool
	// DevIssuerAddr is the dev issuer's listener. Default "127.0.0.1:8092".
	DevIssuerAddr string
	// SealKey, if set, is the at-rest key ring itself (REGISTRY_SEAL_KEY);
	// otherwise it is read from, or created in, DataDir/seal.key.
	SealKey string
	// AdminRole is the role allowed to use admin endpoints. Default "admin".
	AdminRole string
	// Authz holds the authorization options of seed 002, all off by default
	// (its AdminRole is AdminRole).
	Authz authz.Config
	// Policy is the operator's authorization policy in Rego, asked after
	// Authz on REST, the Kafka southbound and /token. Off by default.
	Policy PolicyConfig
	// BasicAuth accepts HTTP basic client credentials on the REST API,
	// exchanged for a token at the issuer (seed 002). Off by default.
	BasicAuth BasicAuthConfig
	// Bus tunes the command bus (timeouts, retries).
	Bus bus.Config
	// ShutdownTimeout bounds a graceful stop. Default 15s.
	ShutdownTimeout time.Duration
	// TerminalToken configures the terminal access tokens of
	// GET /registry-api/kube-conf/token/{serviceId}/{id}: issuer, audience
	// and lifetime (at most 15 minutes). The signing key is
	// DataDir/terminal-signing.key.
	TerminalToken terminaltoken.Config
	// TerminalTokenKeyPath is the terminal tokens' signing key
	// (REGISTRY_TERMINAL_TOKEN_KEY_PATH: a P-256 key, PKCS#8 PEM,
	// mode 0600), which must exist. Several instances need the same key, so
	// that the JWKS any of them serves verifies every token. Default: a key
	// of this instance's own, generated in DataDir on first start.
	TerminalTokenKeyPath string
	// VirtualHosts configures seed 004's registry (timeouts, compaction, key
	// algorithm); its role names are replaced by AdminRole and Authz's.
	VirtualHosts vhost.Config
	// Audit bounds the audit log (DataDir/audit).
	Audit AuditConfig
	// AuditEnforceInterval is how often audit retention runs; default a
	// minute. Not an operator setting: registrybench's soak shortens it.
	AuditEnforceInterval time.Duration
	// HeartbeatAudit says how the audit log records heartbeats: sampled
	// (default) or all. registryctl audit replay must be given the same
	// (both parse it with ParseHeartbeatAudit).
	HeartbeatAudit vhost.AuditConfig
	// RegistryToken configures the Docker registry token service (seed 001)
	// at GET/POST /token; Dev turns it on with a generated key and a small
	// plan catalogue.
	RegistryToken registrytoken.Config
	// NoAccessLog turns off the INFO line per HTTP request
	// (REGISTRY_ACCESS_LOG=false).
	NoAccessLog bool
	// Console configures the operator console at /console/.
	Console ConsoleConfig
}

// ConsoleConfig configures the operator console.
type ConsoleConfig struct {
	// Enabled serves /console/ (REGISTRY_CONSOLE; cmd/registryd turns it
	// on with --dev unless set).
	Enabled bool
	// ClientID is the console's client at the issuer
	// (REGISTRY_CONSOLE_CLIENT_ID). Default "registry-console".
	ClientID string
	// ClientSecret is that client's secret for a confidential client
	// (REGISTRY_CONSOLE_CLIENT_SECRET); unset for a public one.
	ClientSecret string
}

// BasicAuthConfig configures HTTP basic authentication.
type BasicAuthConfig struct {
	// Enabled accepts basic credentials (REGISTRY_AUTH_BASIC).
	Enabled bool
	// TokenURL is the issuer's token endpoint (REGISTRY_AUTH_BASIC_TOKEN_URL),
	// default the token_endpoint of its discovery document.
	TokenURL string
	// CacheTTL is how long an exchanged token is reused
	// (REGISTRY_AUTH_BASIC_CACHE_TTL), default 10m, never past the token's
	// own expiry.
	CacheTTL time.Duration
	// Grant is how basic credentials are exchanged
	// (REGISTRY_AUTH_BASIC_GRANT): auth.GrantClientCredentials (default,
	// a client id and secret) or auth.GrantPassword (a user's name and
	// password, exchanged as ClientID).
	Grant string
	// ClientID and ClientSecret are the client the password grant is made
	// as (REGISTRY_AUTH_BASIC_CLIENT_ID, REGISTRY_AUTH_BASIC_CLIENT_SECRET;
	// no secret for a public client). Only with the password grant.
	ClientID, ClientSecret string
}

// validate names every problem of the basic settings.
func (b BasicAuthConfig) validate() error {
	var errs []error
	if b.CacheTTL < 0 {
		errs = append(errs, errors.New("REGISTRY_AUTH_BASIC_CACHE_TTL must not be negative"))
	}
	if err := auth.ValidateBasicGrant(b.Grant); err != nil {
		errs = append(errs, err)
	}
	switch {
	case b.Grant == auth.GrantPassword && !b.Enabled:
		errs = append(errs, errors.New("REGISTRY_AUTH_BASIC_GRANT=password needs REGISTRY_AUTH_BASIC=true"))
	case b.Grant == auth.GrantPassword && b.ClientID == "":
		errs = append(errs, errors.New("REGISTRY_AUTH_BASIC_GRANT=password needs REGISTRY_AUTH_BASIC_CLIENT_ID, the client the exchange is made as"))
	case b.Grant != auth.GrantPassword && (b.ClientID != "" || b.ClientSecret != ""):
		errs = append(errs, errors.New("REGISTRY_AUTH_BASIC_CLIENT_ID and REGISTRY_AUTH_BASIC_CLIENT_SECRET are only used with REGISTRY_AUTH_BASIC_GRANT=password"))
	}
	return errors.Join(errs...)
}

// MinJWKSRefresh is the shortest REGISTRY_OIDC_JWKS_REFRESH accepted: more
// often would load the issuer for no gain (auth's floor is lower, for tests).
// Zero means auth.DefaultJWKSRefresh.
const MinJWKSRefresh = time.Second

// DevAudience is the audience of dev tokens.
const DevAudience = "registry-api"

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	if c.HTTPAddr == "" {
		c.HTTPAddr = ":8091"
	}
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
	if c.DevIssuerAddr == "" {
		c.DevIssuerAddr = "127.0.0.1:8092"
	}
	if c.AdminRole == "" {
		c.AdminRole = "admin"
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 15 * time.Second
	}
	if c.Console.ClientID == "" {
		c.Console.ClientID = "registry-console"
	}
	if c.Dev && c.OIDC.Audience == "" {
		c.OIDC.Audience = DevAudience
	}
	return c
}

// Validate reports every problem, each naming the setting (as its
// environment variable) so an operator knows what to fix.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("REGISTRY_HTTP_ADDR %q: %v", c.HTTPAddr, err))
	}
	if len(c.Kafka.Brokers) > 0 {
		if err := c.Kafka.WithDefaults().Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.authzConfig().Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.virtualHostConfig().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("REGISTRY_VHOST_*: %w", err))
	}
	if err := c.HeartbeatAudit.WithDefaults().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("REGISTRY_VHOST_AUDIT_*: %w", err))
	}
	if err := c.Audit.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Policy.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.AuditEnforceInterval < 0 {
		errs = append(errs, fmt.Errorf("AuditEnforceInterval %s: must not be negative", c.AuditEnforceInterval))
	}
	if err := c.BasicAuth.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.TLS.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Southbound.validate(c); err != nil {
		errs = append(errs, err)
	}
	if c.Vault.Addr != "" {
		if err := c.Vault.Validate(); err != nil {
			errs = append(errs, err)
		}
		// The handler's deadline must not cut a Vault request short: then
		// Vault's timeout is not recognised, and every retry waits again.
		if h := c.Bus.HandlerTimeout; h > 0 && c.Vault.Timeout >= h {
			errs = append(errs, fmt.Errorf("REGISTRY_VAULT_TIMEOUT %s must be below REGISTRY_HANDLER_TIMEOUT %s", c.Vault.Timeout, h))
		}
	} else if c.VaultAdmin.AdminToken != "" {
		errs = append(errs, errors.New("REGISTRY_VAULT_ADMIN_TOKEN is set but REGISTRY_VAULT_ADDR is not"))
	}
	if c.Dev {
		if c.OIDC.Issuer != "" || c.OIDC.JWKSURL != "" {
			errs = append(errs, errors.New("REGISTRY_DEV: the dev issuer replaces REGISTRY_OIDC_ISSUER and REGISTRY_OIDC_JWKS_URL; set one or the other"))
		}
		if _, _, err := net.SplitHostPort(c.DevIssuerAddr); err != nil {
			errs = append(errs, fmt.Errorf("REGISTRY_DEV_ISSUER_ADDR %q: %v", c.DevIssuerAddr, err))
		}
	} else {
		if c.OIDC.Issuer == "" {
			errs = append(errs, errors.New("REGISTRY_OIDC_ISSUER is required (or run with --dev / REGISTRY_DEV=true for the built-in dev issuer)"))
		}
		if c.OIDC.Audience == "" {
			errs = append(errs, errors.New("REGISTRY_OIDC_AUDIENCE is required"))
		}
	}
	if err := c.TerminalToken.WithDefaults().Validate(); err != nil {
		errs = append(errs, err)
	}
	if tc := c.RegistryToken; tc.Enabled || c.Dev {
		if c.Dev {
			tc = registrytoken.DevDefaults(tc)
		}
		if err := tc.WithDefaults().Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.OIDC.Leeway < 0 || c.OIDC.Leeway > auth.MaxLeeway {
		errs = append(errs, fmt.Errorf("REGISTRY_OIDC_LEEWAY %s: must be between 0 and %s", c.OIDC.Leeway, auth.MaxLeeway))
	}
	if r := c.OIDC.JWKSRefresh; r < 0 || (r > 0 && r < MinJWKSRefresh) {
		errs = append(errs, fmt.Errorf("REGISTRY_OIDC_JWKS_REFRESH %s: must be at least %s", r, MinJWKSRefresh))
	}
	if c.ShutdownTimeout < 0 {
		errs = append(errs, errors.New("REGISTRY_SHUTDOWN_TIMEOUT must not be negative"))
	}
	return errors.Join(errs...)
}

// virtualHostConfig is VirtualHosts with the role names of the rest of the
// API.
func (c Config) virtualHostConfig() vhost.Config {
	v, az := c.VirtualHosts, c.authzConfig()
	v.AdminRole, v.DeveloperRole, v.ReadOnlyRole = az.AdminRole, az.DeveloperRole, az.ReadOnlyRole
	v.PlatformAdminRole = az.PlatformAdminRole
	return v.WithDefaults()
}

// authzConfig is Authz with its defaults, its admin role AdminRole unless
// set: the one place every component takes its role names from.
func (c Config) authzConfig() authz.Config {
	az := c.Authz
	if az.AdminRole == "" {
		az.AdminRole = c.AdminRole
	}
	if az.AdminRole == "" {
		az.AdminRole = "admin"
	}
	return az.WithDefaults()
}

// ParseOwnerTypes reads REGISTRY_VHOST_OWNER_TYPES, "TYPE=CLAIM" entries
// separated by commas (spaces around them ignored), e.g. "yca=roles": an
// owner "yca:NAME" is a caller whose token's roles claim holds NAME. ""
// maps nothing. vhost.Config.Validate checks the names.
func ParseOwnerTypes(s string) (map[string]string, error) {
	const name = "REGISTRY_VHOST_OWNER_TYPES"
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]string{}
	var errs []error
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		kind, claim, ok := strings.Cut(entry, "=")
		kind, claim = strings.TrimSpace(kind), strings.TrimSpace(claim)
		switch {
		case !ok || kind == "" || claim == "":
			errs = append(errs, fmt.Errorf("%s: entry %q: want TYPE=CLAIM, e.g. yca=roles", name, secretpath.Printable(entry)))
		case out[kind] != "":
			errs = append(errs, fmt.Errorf("%s: owner type %q is mapped twice", name, secretpath.Printable(kind)))
		default:
			out[kind] = claim
		}
	}
	return out, errors.Join(errs...)
}

// ParseHeartbeatAudit reads the values of REGISTRY_VHOST_AUDIT_ALL_HEARTBEATS
// and REGISTRY_VHOST_AUDIT_HEARTBEAT_INTERVAL ("" for unset): registryd and
// registryctl audit replay parse them alike, so a replayed audit log equals
// the live one.
func ParseHeartbeatAudit(all, interval string) (vhost.AuditConfig, error) {
	var c vhost.AuditConfig
	var errs []error
	if all != "" {
		b, err := strconv.ParseBool(all)
		if err != nil {
			errs = append(errs, fmt.Errorf("REGISTRY_VHOST_AUDIT_ALL_HEARTBEATS %q: want true or false", all))
		}
		c.All = b
	}
	if interval != "" {
		d, err := time.ParseDuration(interval)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("REGISTRY_VHOST_AUDIT_HEARTBEAT_INTERVAL %q: want a positive duration like 1m", interval))
		}
		c.Interval = d
	}
	return c, errors.Join(errs...)
}
