package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/security/keyfile"
	"github.com/hypo-registry/registry/internal/security/policy"
)

// parseConfig reads flags, each defaulting to its REGISTRY_* variable.
// A malformed value names its setting. --help is flag.ErrHelp, --version
// errVersion.
func parseConfig(args []string, lookup func(string) (string, bool)) (app.Config, slog.Level, error) {
	cfg, level, _, err := parseFlags(args, lookup)
	return cfg, level, err
}

// errVersion is parseConfig's answer to --version: print it, start nothing.
var errVersion = errors.New("version requested")

// commandFlags are the flags that are no setting, so have no variable.
var commandFlags = map[string]bool{"version": true}

// flagVariable is the REGISTRY_* variable a flag defaults to: the flag's
// name in upper case, dashes as underscores (TestEveryFlagReadsItsVariable
// holds every flag to it).
func flagVariable(name string) string {
	return "REGISTRY_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// parseFlags is parseConfig, returning the flag set too (for --help),
// parsed as far as args allowed.
func parseFlags(args []string, lookup func(string) (string, bool)) (app.Config, slog.Level, *flag.FlagSet, error) {
	var (
		cfg  app.Config
		errs []error
	)
	env := func(key, def string) string {
		if v, ok := lookup(key); ok && v != "" {
			return v
		}
		return def
	}
	envBoolDefault := func(key string, def bool) bool {
		v := env(key, strconv.FormatBool(def))
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want true or false", key, v))
		}
		return b
	}
	envBool := func(key string) bool { return envBoolDefault(key, false) }
	envDuration := func(key string, def time.Duration) time.Duration {
		v := env(key, "")
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want a duration like 30s", key, v))
		}
		return d
	}

	envInt := func(key string, def int) int {
		v := env(key, "")
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want a whole number", key, v))
		}
		return n
	}

	fs := flag.NewFlagSet("registryd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.HTTPAddr, "http-addr", env("REGISTRY_HTTP_ADDR", ":8091"), "REST listen address")
	fs.StringVar(&cfg.TLS.CertFile, "tls-cert-file", env("REGISTRY_TLS_CERT_FILE", ""), "PEM server certificate (chain); with the key, the REST listener is HTTPS")
	fs.StringVar(&cfg.TLS.KeyFile, "tls-key-file", env("REGISTRY_TLS_KEY_FILE", ""), "PEM server key")
	fs.StringVar(&cfg.TLS.ClientCAFile, "tls-client-ca-file", env("REGISTRY_TLS_CLIENT_CA_FILE", ""), "PEM CAs; set, every client must present a certificate they signed (mutual TLS)")
	fs.StringVar(&cfg.TLS.MinVersion, "tls-min-version", env("REGISTRY_TLS_MIN_VERSION", "1.2"), "lowest TLS version accepted: 1.2 or 1.3")
	fs.DurationVar(&cfg.TLS.ReloadInterval, "tls-reload-interval", envDuration("REGISTRY_TLS_RELOAD_INTERVAL", 10*time.Second), "how often the certificate files are checked for a rotation")
	fs.StringVar(&cfg.DataDir, "data-dir", env("REGISTRY_DATA_DIR", "./data"), "data directory")
	brokers := fs.String("kafka-brokers", env("REGISTRY_KAFKA_BROKERS", ""), "comma-separated Kafka brokers (enables the Kafka event log)")
	fs.StringVar(&cfg.Kafka.EventsTopic, "kafka-events-topic", env("REGISTRY_KAFKA_EVENTS_TOPIC", "registry.events"), "event log topic")
	fs.StringVar(&cfg.InstanceID, "instance-id", env("REGISTRY_INSTANCE_ID", ""), "this instance's id (default: the one kept in the data directory's instance-id, else the hostname)")
	fs.StringVar(&cfg.Kafka.ConsumerGroup, "kafka-consumer-group", env("REGISTRY_KAFKA_CONSUMER_GROUP", ""), "this instance's projection consumer group (default registry-projections-<instance id>)")
	sb := &cfg.Southbound
	southboundOn := fs.Bool("kafka-southbound", envBoolDefault("REGISTRY_KAFKA_SOUTHBOUND", true), "consume and answer the HypO topics of seed 000 when Kafka is configured")
	fs.StringVar(&sb.ConsumerGroup, "kafka-southbound-group", env("REGISTRY_KAFKA_SOUTHBOUND_GROUP", "registry-southbound"), "consumer group of the HypO topics, shared by every instance")
	fs.IntVar(&sb.InFlight, "kafka-southbound-in-flight", envInt("REGISTRY_KAFKA_SOUTHBOUND_IN_FLIGHT", 32), "HypO records of one partition handled at once (offsets are still committed in order)")
	fs.StringVar(&sb.PoisonTopic, "kafka-poison-topic", env("REGISTRY_KAFKA_POISON_TOPIC", "registry.poison"), "topic of HypO records that cannot be answered")
	verifyJWT := fs.Bool("kafka-verify-jwt", envBoolDefault("REGISTRY_KAFKA_VERIFY_JWT", true), "verify the JWT of every HypO record (false: seed 000's unverified decoding, Vault only)")
	for _, t := range []struct {
		dst        *string
		flag, env  string
		def, usage string
	}{
		{&sb.Topics.CredentialRequest, "kafka-topic-credential-request", "REGISTRY_KAFKA_TOPIC_CREDENTIAL_REQUEST", "get-package-registry-incoming-channel", "credential requests from the Package Manager"},
		{&sb.Topics.CredentialResponse, "kafka-topic-credential-response", "REGISTRY_KAFKA_TOPIC_CREDENTIAL_RESPONSE", "response-package-registry-outgoing-channel", "credential responses"},
		{&sb.Topics.KubeconfigStore, "kafka-topic-kubeconfig-store", "REGISTRY_KAFKA_TOPIC_KUBECONFIG_STORE", "registry-store-kubernetes-config", "kubeconfig store CloudEvents"},
		{&sb.Topics.KubeconfigStoreResult, "kafka-topic-kubeconfig-store-result", "REGISTRY_KAFKA_TOPIC_KUBECONFIG_STORE_RESULT", "registry-store-kubernetes-config-result", "kubeconfig store results"},
		{&sb.Topics.KubeconfigRetrieve, "kafka-topic-kubeconfig-retrieve", "REGISTRY_KAFKA_TOPIC_KUBECONFIG_RETRIEVE", "registry-retrieve-kubernetes-config", "kubeconfig retrievals"},
		{&sb.Topics.KubeconfigResponse, "kafka-topic-kubeconfig-response", "REGISTRY_KAFKA_TOPIC_KUBECONFIG_RESPONSE", "registry-response-kubernetes-config-outgoing-channel", "kubeconfig retrieval results"},
		{&sb.Topics.GroupPolicyCreate, "kafka-topic-group-policy-create", "REGISTRY_KAFKA_TOPIC_GROUP_POLICY_CREATE", "create-group-policy-incoming-channel", "tenant provisioning"},
		{&sb.Topics.FabricCredsPersist, "kafka-topic-fabric-creds-persist", "REGISTRY_KAFKA_TOPIC_FABRIC_CREDS_PERSIST", "fabric-ziti-creds-persist-incoming-channel", "Fabric credentials to store"},
		{&sb.Topics.FabricCredsDelete, "kafka-topic-fabric-creds-delete", "REGISTRY_KAFKA_TOPIC_FABRIC_CREDS_DELETE", "fabric-ziti-creds-delete-incoming-channel", "Fabric credentials to delete"},
	} {
		fs.StringVar(t.dst, t.flag, env(t.env, t.def), t.usage+" topic")
	}
	fs.DurationVar(&cfg.Audit.Retention, "audit-retention", envDuration("REGISTRY_AUDIT_RETENTION", 0), "remove exported audit segments older than this (0: keep them until --audit-max-bytes needs room)")
	fs.Int64Var(&cfg.Audit.MaxBytes, "audit-max-bytes", int64(envInt("REGISTRY_AUDIT_MAX_BYTES", 0)), "remove exported audit segments, oldest first, while the audit log is larger than this (0: unbounded)")
	fs.DurationVar(&cfg.Audit.CommitDelay, "audit-commit-delay", envDuration("REGISTRY_AUDIT_COMMIT_DELAY", auditlog.DefaultCommitDelay), "the longest the audit log holds a sync open for concurrent reads (about four more records at the measured rate; negative: never)")
	fs.Int64Var(&cfg.Audit.SegmentBytes, "audit-segment-bytes", int64(envInt("REGISTRY_AUDIT_SEGMENT_BYTES", 64<<20)), "seal an audit segment past this size")
	fs.StringVar(&cfg.Vault.Addr, "vault-addr", env("REGISTRY_VAULT_ADDR", ""), "Vault address (enables the Vault secret store)")
	fs.StringVar(&cfg.Vault.Mount, "vault-mount", env("REGISTRY_VAULT_MOUNT", "hypo"), "KV v2 mount")
	fs.StringVar(&cfg.Vault.AuthMount, "vault-auth-mount", env("REGISTRY_VAULT_AUTH_MOUNT", "jwt"), "JWT auth mount where callers' tokens are exchanged")
	fs.StringVar(&cfg.Vault.Role, "vault-role", env("REGISTRY_VAULT_ROLE", "registry"), "JWT auth role")
	fs.DurationVar(&cfg.Vault.Timeout, "vault-timeout", envDuration("REGISTRY_VAULT_TIMEOUT", 5*time.Second), "how long to wait for Vault before answering 503")
	fs.IntVar(&cfg.Vault.MaxRetries, "vault-max-retries", envInt("REGISTRY_VAULT_MAX_RETRIES", 0), "the Vault adapter's own retries of a transient failure (default 0: the command bus retries)")
	fs.DurationVar(&cfg.Vault.TokenRenewSkew, "vault-token-renew-skew", envDuration("REGISTRY_VAULT_TOKEN_RENEW_SKEW", 30*time.Second), "how long before it or its JWT expires an exchanged Vault token stops being reused")
	fs.IntVar(&cfg.Vault.MaxCachedTokens, "vault-token-cache-size", envInt("REGISTRY_VAULT_TOKEN_CACHE_SIZE", 10000), "most exchanged Vault tokens kept")
	fs.StringVar(&cfg.Vault.CACert, "vault-cacert", env("REGISTRY_VAULT_CACERT", ""), "PEM file of CAs for Vault's TLS certificate")
	fs.StringVar(&cfg.VaultAdmin.GroupAliasPrefix, "vault-group-alias-prefix", env("REGISTRY_VAULT_GROUP_ALIAS_PREFIX", ""), `prefix of group aliases ("/" for Keycloak full group paths)`)
	adminTokenFile := fs.String("vault-admin-token-file", env("REGISTRY_VAULT_ADMIN_TOKEN_FILE", ""), "file holding the Vault admin token for group/policy management")
	fs.StringVar(&cfg.OIDC.Issuer, "oidc-issuer", env("REGISTRY_OIDC_ISSUER", ""), "OIDC issuer URL")
	fs.StringVar(&cfg.OIDC.JWKSURL, "oidc-jwks-url", env("REGISTRY_OIDC_JWKS_URL", ""), "JWKS URL (default: from discovery)")
	fs.StringVar(&cfg.OIDC.Audience, "oidc-audience", env("REGISTRY_OIDC_AUDIENCE", ""), "expected token audience")
	fs.DurationVar(&cfg.OIDC.Leeway, "oidc-leeway", envDuration("REGISTRY_OIDC_LEEWAY", 30*time.Second), "clock-skew leeway (max 2m)")
	errsBefore := len(errs)
	fs.DurationVar(&cfg.OIDC.JWKSRefresh, "oidc-jwks-refresh", envDuration("REGISTRY_OIDC_JWKS_REFRESH", auth.DefaultJWKSRefresh), "how often the JWKS is fetched again: a key removed from it is refused within one interval (min 1s)")
	refreshMalformed := len(errs) > errsBefore
	fs.StringVar(&cfg.OIDC.RolesClaim, "oidc-roles-claim", env("REGISTRY_OIDC_ROLES_CLAIM", "roles"), "claim holding roles (dotted path allowed)")
	fs.StringVar(&cfg.OIDC.GroupsClaim, "oidc-groups-claim", env("REGISTRY_OIDC_GROUPS_CLAIM", "groups"), "claim holding groups")
	fs.BoolVar(&cfg.Dev, "dev", envBool("REGISTRY_DEV"), "start the built-in dev issuer and trust it")
	fs.StringVar(&cfg.DevIssuerAddr, "dev-issuer-addr", env("REGISTRY_DEV_ISSUER_ADDR", "127.0.0.1:8092"), "dev issuer listen address")
	fs.StringVar(&cfg.AdminRole, "admin-role", env("REGISTRY_ADMIN_ROLE", "admin"), "role for admin endpoints")
	az := &cfg.Authz
	fs.BoolVar(&az.RoleBased, "authz-role-based", envBool("REGISTRY_AUTHZ_ROLE_BASED"), "role-based authorization: reads need a role, writes developer or admin")
	fs.StringVar(&az.RoleSource, "authz-role-source", env("REGISTRY_AUTHZ_ROLE_SOURCE", "token"), "where roles come from: token or application (/registry-api/admin/roleMappings)")
	fs.StringVar(&az.DeveloperRole, "authz-role-developer", env("REGISTRY_AUTHZ_ROLE_DEVELOPER", "developer"), "name of the developer role in tokens")
	fs.StringVar(&az.PlatformAdminRole, "platform-admin-role", env("REGISTRY_PLATFORM_ADMIN_ROLE", authz.RolePlatformAdmin), "role that administers every tenant (groups, policies, others' virtual hosts, recrypt, log level)")
	fs.StringVar(&az.ReadOnlyRole, "authz-role-read-only", env("REGISTRY_AUTHZ_ROLE_READ_ONLY", "read-only"), "name of the read-only role in tokens")
	fs.BoolVar(&az.AdminOverride.Enabled, "authz-admin-override", envBool("REGISTRY_AUTHZ_ADMIN_OVERRIDE"), "make callers admin by a token role or claim")
	fs.StringVar(&az.AdminOverride.Type, "authz-admin-override-type", env("REGISTRY_AUTHZ_ADMIN_OVERRIDE_TYPE", "role"), "role or claim")
	fs.StringVar(&az.AdminOverride.Role, "authz-admin-override-role", env("REGISTRY_AUTHZ_ADMIN_OVERRIDE_ROLE", "admin"), "token role that makes an admin")
	fs.StringVar(&az.AdminOverride.Claim, "authz-admin-override-claim", env("REGISTRY_AUTHZ_ADMIN_OVERRIDE_CLAIM", ""), "token claim (dotted path allowed) that makes an admin")
	fs.StringVar(&az.AdminOverride.ClaimValue, "authz-admin-override-claim-value", env("REGISTRY_AUTHZ_ADMIN_OVERRIDE_CLAIM_VALUE", ""), "value the claim must hold (or contain)")
	fs.BoolVar(&az.OwnerOnly, "authz-owner-only", envBool("REGISTRY_AUTHZ_OWNER_ONLY"), "only the creator of a credential secret (or an admin) changes or deletes it")
	fs.BoolVar(&az.AuthenticatedRead, "authz-authenticated-read", envBool("REGISTRY_AUTHZ_AUTHENTICATED_READ"), "every authenticated tenant member may read, whatever its role")
	fs.BoolVar(&az.AnonymousRead, "authz-anonymous-read", envBool("REGISTRY_AUTHZ_ANONYMOUS_READ"), "serve public data (virtual hosts' public views) without credentials")
	pol := &cfg.Policy
	fs.StringVar(&pol.Path, "authz-policy", env("REGISTRY_AUTHZ_POLICY", ""), "Rego file or directory: the authorization policy asked after the built-in options (it can only deny); a policy that does not compile stops the start")
	fs.StringVar(&pol.Query, "authz-policy-query", env("REGISTRY_AUTHZ_POLICY_QUERY", policy.DefaultQuery), "the policy's decision: a boolean, or an object with allow and reason")
	policyClaims := fs.String("authz-policy-claims", env("REGISTRY_AUTHZ_POLICY_CLAIMS", ""), "comma-separated token claims copied into the policy's input.caller.claims (no other claim reaches it)")
	fs.DurationVar(&pol.ReloadInterval, "authz-policy-reload-interval", envDuration("REGISTRY_AUTHZ_POLICY_RELOAD_INTERVAL", policy.DefaultReloadInterval), "how often the policy's files are checked for a change (reloaded when they changed)")
	vh := &cfg.VirtualHosts
	fs.DurationVar(&vh.DefaultTimeout, "vhost-server-timeout", envDuration("REGISTRY_VHOST_SERVER_TIMEOUT", 600*time.Second), "server timeout of a virtual host that names none")
	fs.DurationVar(&vh.MaxTimeout, "vhost-max-server-timeout", envDuration("REGISTRY_VHOST_MAX_SERVER_TIMEOUT", 24*time.Hour), "longest server timeout a virtual host may name")
	fs.DurationVar(&vh.CompactAfter, "vhost-compact-after", envDuration("REGISTRY_VHOST_COMPACT_AFTER", 24*time.Hour), "how long past its host's timeout a stale server is kept before compaction")
	fs.DurationVar(&vh.CompactEvery, "vhost-compact-every", envDuration("REGISTRY_VHOST_COMPACT_EVERY", 10*time.Minute), "how often compaction runs")
	fs.StringVar(&vh.KeyAlgorithm, "vhost-key-algorithm", env("REGISTRY_VHOST_KEY_ALGORITHM", vhost.KeyRSA2048), "SelfSignedSSL key pairs: rsa-2048 or ecdsa-p256")
	ownerTypes := fs.String("vhost-owner-types", env("REGISTRY_VHOST_OWNER_TYPES", ""), "owner types matched against token claims, TYPE=CLAIM,... (yca=roles: owner yca:NAME is a caller of the host's tenant whose roles claim holds NAME); an owner of an unmapped type matches nobody")
	fs.BoolVar(&cfg.BasicAuth.Enabled, "auth-basic", envBool("REGISTRY_AUTH_BASIC"), "accept HTTP basic client credentials, exchanged for a token at the issuer")
	fs.StringVar(&cfg.BasicAuth.TokenURL, "auth-basic-token-url", env("REGISTRY_AUTH_BASIC_TOKEN_URL", ""), "issuer token endpoint (default: from discovery)")
	fs.DurationVar(&cfg.BasicAuth.CacheTTL, "auth-basic-cache-ttl", envDuration("REGISTRY_AUTH_BASIC_CACHE_TTL", 10*time.Minute), "how long an exchanged token is reused")
	fs.StringVar(&cfg.BasicAuth.Grant, "auth-basic-grant", env("REGISTRY_AUTH_BASIC_GRANT", auth.GrantClientCredentials), "how basic credentials are exchanged: client_credentials (a client id and secret) or password (a user's name and password, as --auth-basic-client-id)")
	fs.StringVar(&cfg.BasicAuth.ClientID, "auth-basic-client-id", env("REGISTRY_AUTH_BASIC_CLIENT_ID", ""), "with the password grant: the client it is made as (Keycloak: one with Direct access grants)")
	fs.DurationVar(&cfg.Bus.ReplyTimeout, "reply-timeout", envDuration("REGISTRY_REPLY_TIMEOUT", 15*time.Second), "max wait for a command reply")
	fs.DurationVar(&cfg.Bus.HandlerTimeout, "handler-timeout", envDuration("REGISTRY_HANDLER_TIMEOUT", 10*time.Second), "max time handling one command, retries included")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", envDuration("REGISTRY_SHUTDOWN_TIMEOUT", 15*time.Second), "graceful stop bound")
	fs.DurationVar(&cfg.TerminalToken.TTL, "terminal-token-ttl", envDuration("REGISTRY_TERMINAL_TOKEN_TTL", 5*time.Minute), "lifetime of kube-conf terminal tokens (max 15m)")
	fs.StringVar(&cfg.TerminalToken.Audience, "terminal-token-audience", env("REGISTRY_TERMINAL_TOKEN_AUDIENCE", "terminal"), "aud of terminal tokens")
	fs.StringVar(&cfg.TerminalToken.Issuer, "terminal-token-issuer", env("REGISTRY_TERMINAL_TOKEN_ISSUER", "urn:hypo:registry"), "iss of terminal tokens")
	fs.StringVar(&cfg.TerminalTokenKeyPath, "terminal-token-key-path", env("REGISTRY_TERMINAL_TOKEN_KEY_PATH", ""), "terminal tokens' signing key, a P-256 PEM that must exist (default: generated in the data directory); give every instance the same one")
	levelText := fs.String("log-level", env("REGISTRY_LOG_LEVEL", "INFO"), "DEBUG, INFO, WARN or ERROR")
	accessLog := fs.Bool("access-log", envBoolDefault("REGISTRY_ACCESS_LOG", true), "log one INFO line per HTTP request (method, route, status, duration, correlation id, tenant)")
	cfg.SealKey = env("REGISTRY_SEAL_KEY", "")
	cfg.VaultAdmin.AdminToken = env("REGISTRY_VAULT_ADMIN_TOKEN", "")
	cfg.BasicAuth.ClientSecret = env("REGISTRY_AUTH_BASIC_CLIENT_SECRET", "")
	consoleEnv, _ := lookup("REGISTRY_CONSOLE")
	consoleSet := consoleEnv != ""
	fs.BoolVar(&cfg.Console.Enabled, "console", envBool("REGISTRY_CONSOLE"), "serve the operator console at /console/ (default: on with --dev)")
	fs.StringVar(&cfg.Console.ClientID, "console-client-id", env("REGISTRY_CONSOLE_CLIENT_ID", "registry-console"), "the console's client at the issuer (authorization code with PKCE)")
	cfg.Console.ClientSecret = env("REGISTRY_CONSOLE_CLIENT_SECRET", "")
	showVersion := fs.Bool("version", false, "print the version and commit, and exit")
	if err := fs.Parse(args); err != nil {
		return cfg, 0, fs, err
	}
	if *showVersion {
		return cfg, 0, fs, errVersion
	}
	sb.Disabled, sb.SkipTokenVerification = !*southboundOn, !*verifyJWT
	for _, c := range strings.Split(*policyClaims, ",") {
		if c = strings.TrimSpace(c); c != "" {
			pol.Claims = append(pol.Claims, c)
		}
	}
	cfg.NoAccessLog = !*accessLog
	fs.Visit(func(f *flag.Flag) { consoleSet = consoleSet || f.Name == "console" })
	if !consoleSet {
		cfg.Console.Enabled = cfg.Dev
	}
	if cfg.OIDC.JWKSRefresh == 0 && !refreshMalformed { // zero would silently mean the default
		errs = append(errs, errors.New("REGISTRY_OIDC_JWKS_REFRESH 0s: must be positive"))
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments: %v", fs.Args()))
	}
	if *brokers != "" {
		for _, b := range strings.Split(*brokers, ",") {
			if b = strings.TrimSpace(b); b != "" {
				cfg.Kafka.Brokers = append(cfg.Kafka.Brokers, b)
			}
		}
		if len(cfg.Kafka.Brokers) == 0 {
			errs = append(errs, fmt.Errorf("REGISTRY_KAFKA_BROKERS %q names no broker (want host:port,...)", *brokers))
		}
	}
	if *adminTokenFile != "" {
		if cfg.VaultAdmin.AdminToken != "" {
			errs = append(errs, errors.New("REGISTRY_VAULT_ADMIN_TOKEN and REGISTRY_VAULT_ADMIN_TOKEN_FILE are both set; use one"))
		}
		b, err := keyfile.Load(*adminTokenFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("REGISTRY_VAULT_ADMIN_TOKEN_FILE: %w", err))
		}
		cfg.VaultAdmin.AdminToken = strings.TrimSpace(string(b))
	}
	owners, err := app.ParseOwnerTypes(*ownerTypes)
	if err != nil {
		errs = append(errs, err)
	}
	vh.OwnerTypes = owners
	heartbeats, err := app.ParseHeartbeatAudit(env("REGISTRY_VHOST_AUDIT_ALL_HEARTBEATS", ""), env("REGISTRY_VHOST_AUDIT_HEARTBEAT_INTERVAL", ""))
	if err != nil {
		errs = append(errs, err)
	}
	cfg.HeartbeatAudit = heartbeats
	tokenCfg, err := registryTokenConfig(lookup)
	if err != nil {
		errs = append(errs, err)
	}
	cfg.RegistryToken = tokenCfg
	var level slog.Level
	if err := level.UnmarshalText([]byte(*levelText)); err != nil {
		errs = append(errs, fmt.Errorf("REGISTRY_LOG_LEVEL %q: want DEBUG, INFO, WARN or ERROR", *levelText))
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, 0, fs, err
	}
	cfg = cfg.WithDefaults()
	return cfg, level, fs, cfg.Validate()
}
