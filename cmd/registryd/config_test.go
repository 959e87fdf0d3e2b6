package main

import (
	"maps"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseConfigFromEnvironment(t *testing.T) {
	t.Parallel()
	cfg, level, err := parseConfig(nil, env(map[string]string{
		"REGISTRY_HTTP_ADDR": "127.0.0.1:9000", "REGISTRY_DATA_DIR": "/tmp/x",
		"REGISTRY_OIDC_ISSUER": "https://kc.example/realms/hypo", "REGISTRY_OIDC_AUDIENCE": "registry-api",
		"REGISTRY_OIDC_LEEWAY": "45s", "REGISTRY_LOG_LEVEL": "debug", "REGISTRY_OIDC_ROLES_CLAIM": "realm_access.roles",
		"REGISTRY_OIDC_JWKS_REFRESH": "90s", "REGISTRY_PLATFORM_ADMIN_ROLE": "ops-root",
		"REGISTRY_VAULT_MAX_RETRIES": "-1", "REGISTRY_VAULT_TOKEN_RENEW_SKEW": "1m", "REGISTRY_VAULT_TOKEN_CACHE_SIZE": "50",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:9000" || cfg.DataDir != "/tmp/x" || cfg.OIDC.Leeway != 45*time.Second ||
		cfg.OIDC.RolesClaim != "realm_access.roles" || cfg.OIDC.JWKSRefresh != 90*time.Second || level.String() != "DEBUG" ||
		cfg.Authz.PlatformAdminRole != "ops-root" || cfg.Vault.MaxRetries != -1 || cfg.Vault.TokenRenewSkew != time.Minute || cfg.Vault.MaxCachedTokens != 50 {
		t.Errorf("cfg = %+v, level %v", cfg, level)
	}
	// The southbound is on with Kafka, the seed's topics, verified tokens.
	cfg, _, err = parseConfig(nil, env(map[string]string{"REGISTRY_DEV": "true", "REGISTRY_KAFKA_BROKERS": "k:9092",
		"REGISTRY_KAFKA_TOPIC_KUBECONFIG_STORE": "sonata-kubeconfigs"}))
	sb := cfg.Southbound
	if err != nil || sb.Disabled || sb.SkipTokenVerification || sb.ConsumerGroup != "registry-southbound" || sb.PoisonTopic != "registry.poison" || sb.InFlight != 32 ||
		sb.Topics.KubeconfigStore != "sonata-kubeconfigs" || sb.Topics.CredentialRequest != "get-package-registry-incoming-channel" {
		t.Errorf("southbound defaults: %+v, %v", sb, err)
	}
	// Owner types: TYPE=CLAIM entries, spaces around them ignored.
	cfg, _, err = parseConfig(nil, env(map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VHOST_OWNER_TYPES": "yca=roles, kc = realm_access.roles"}))
	if want := map[string]string{"yca": "roles", "kc": "realm_access.roles"}; err != nil || !maps.Equal(cfg.VirtualHosts.OwnerTypes, want) {
		t.Errorf("owner types %v, %v; want %v", cfg.VirtualHosts.OwnerTypes, err, want)
	}
	// Basic credentials: client credentials unless the password grant is
	// asked for, with its client.
	cfg, _, err = parseConfig(nil, env(map[string]string{"REGISTRY_DEV": "true", "REGISTRY_AUTH_BASIC": "true"}))
	if err != nil || cfg.BasicAuth.Grant != "client_credentials" {
		t.Errorf("basic grant default: %q, %v", cfg.BasicAuth.Grant, err)
	}
	cfg, _, err = parseConfig([]string{"--auth-basic-client-id", "docker"}, env(map[string]string{"REGISTRY_DEV": "true", "REGISTRY_AUTH_BASIC": "true",
		"REGISTRY_AUTH_BASIC_GRANT": "password", "REGISTRY_AUTH_BASIC_CLIENT_SECRET": "docker-secret"}))
	if b := cfg.BasicAuth; err != nil || b.Grant != "password" || b.ClientID != "docker" || b.ClientSecret != "docker-secret" {
		t.Errorf("password grant: %+v, %v", b, err)
	}
	// A flag beats its variable.
	cfg, _, err = parseConfig([]string{"--http-addr", ":7000"}, env(map[string]string{"REGISTRY_HTTP_ADDR": ":9000", "REGISTRY_DEV": "true"}))
	if err != nil || cfg.HTTPAddr != ":7000" || !cfg.Dev || cfg.OIDC.Audience != "registry-api" || cfg.OIDC.JWKSRefresh != 5*time.Minute {
		t.Errorf("flag override: %+v, %v", cfg, err)
	}
}

// The console is off unless asked for, on with --dev unless turned off.
func TestParseConfigConsole(t *testing.T) {
	t.Parallel()
	prod := map[string]string{"REGISTRY_OIDC_ISSUER": "https://kc.example/realms/hypo", "REGISTRY_OIDC_AUDIENCE": "registry-api"}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := maps.Clone(m)
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"off by default", nil, prod, false},
		{"on by its variable", nil, with(prod, "REGISTRY_CONSOLE", "true"), true},
		{"on by its flag", []string{"--console"}, prod, true},
		{"on with --dev", nil, map[string]string{"REGISTRY_DEV": "true"}, true},
		{"off with --dev by its variable", nil, map[string]string{"REGISTRY_DEV": "true", "REGISTRY_CONSOLE": "false"}, false},
		{"off with --dev by its flag", []string{"--console=false"}, map[string]string{"REGISTRY_DEV": "true"}, false},
	} {
		cfg, _, err := parseConfig(tc.args, env(tc.env))
		if err != nil || cfg.Console.Enabled != tc.want || cfg.Console.ClientID != "registry-console" || cfg.Console.ClientSecret != "" {
			t.Errorf("%s: %+v, %v; want enabled %v, client registry-console", tc.name, cfg.Console, err, tc.want)
		}
	}
	cfg, _, err := parseConfig([]string{"--console-client-id", "ops-console"}, env(with(prod, "REGISTRY_CONSOLE", "true", "REGISTRY_CONSOLE_CLIENT_SECRET", "s")))
	if err != nil || cfg.Console.ClientID != "ops-console" || cfg.Console.ClientSecret != "s" {
		t.Errorf("client: %+v, %v", cfg.Console, err)
	}
}

func TestParseConfigNamesTheBadSetting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "REGISTRY_OIDC_ISSUER is required"},
		{map[string]string{"REGISTRY_DEV": "yes please"}, "REGISTRY_DEV"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_HTTP_ADDR": "nonsense"}, "REGISTRY_HTTP_ADDR"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_OIDC_LEEWAY": "1h"}, "REGISTRY_OIDC_LEEWAY"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_OIDC_LEEWAY": "soon"}, "REGISTRY_OIDC_LEEWAY"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_LOG_LEVEL": "LOUD"}, "REGISTRY_LOG_LEVEL"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_KAFKA_BROKERS": "k:9092", "REGISTRY_KAFKA_SOUTHBOUND_IN_FLIGHT": "-1"}, "REGISTRY_KAFKA_SOUTHBOUND_IN_FLIGHT -1: want at least 1"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_OIDC_JWKS_REFRESH": "0s"}, "REGISTRY_OIDC_JWKS_REFRESH 0s: must be positive"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_OIDC_JWKS_REFRESH": "-5m"}, "REGISTRY_OIDC_JWKS_REFRESH -5m0s: must be at least 1s"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_OIDC_JWKS_REFRESH": "200ms"}, "REGISTRY_OIDC_JWKS_REFRESH 200ms: must be at least 1s"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_OIDC_JWKS_REFRESH": "soon"}, `REGISTRY_OIDC_JWKS_REFRESH "soon": want a duration`},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_OIDC_ISSUER": "https://x"}, "REGISTRY_DEV"},
		{map[string]string{"REGISTRY_OIDC_ISSUER": "https://x"}, "REGISTRY_OIDC_AUDIENCE"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VAULT_ADDR": "vault:8200"}, "REGISTRY_VAULT_ADDR"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VAULT_ADDR": "http://vault:8200", "REGISTRY_VAULT_MOUNT": "../x"}, "REGISTRY_VAULT_MOUNT"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VAULT_ADDR": "http://vault:8200", "REGISTRY_VAULT_TIMEOUT": "-1s"}, "REGISTRY_VAULT_TIMEOUT"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VAULT_ADDR": "http://vault:8200", "REGISTRY_VAULT_TIMEOUT": "10s"}, "REGISTRY_VAULT_TIMEOUT 10s must be below REGISTRY_HANDLER_TIMEOUT"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VAULT_ADMIN_TOKEN": "t"}, "REGISTRY_VAULT_ADDR"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VAULT_TOKEN_CACHE_SIZE": "many"}, `REGISTRY_VAULT_TOKEN_CACHE_SIZE "many": want a whole number`},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VAULT_ADDR": "http://vault:8200", "REGISTRY_VAULT_TOKEN_RENEW_SKEW": "-1s"}, "REGISTRY_VAULT_TOKEN_RENEW_SKEW"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_PLATFORM_ADMIN_ROLE": "admin"}, "REGISTRY_PLATFORM_ADMIN_ROLE"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VAULT_ADDR": "http://vault:8200", "REGISTRY_VAULT_ADMIN_TOKEN_FILE": "/nonexistent"}, "REGISTRY_VAULT_ADMIN_TOKEN_FILE"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_KAFKA_BROKERS": " , "}, "REGISTRY_KAFKA_BROKERS"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_TERMINAL_TOKEN_TTL": "1h"}, "REGISTRY_TERMINAL_TOKEN_TTL"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_TLS_CERT_FILE": "/x.pem"}, "REGISTRY_TLS_KEY_FILE"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VHOST_AUDIT_HEARTBEAT_INTERVAL": "often"}, "REGISTRY_VHOST_AUDIT_HEARTBEAT_INTERVAL"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VHOST_AUDIT_ALL_HEARTBEATS": "some"}, "REGISTRY_VHOST_AUDIT_ALL_HEARTBEATS"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VHOST_KEY_ALGORITHM": "dsa"}, "REGISTRY_VHOST_"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VHOST_OWNER_TYPES": "yca"}, `REGISTRY_VHOST_OWNER_TYPES: entry "yca": want TYPE=CLAIM`},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VHOST_OWNER_TYPES": "yca=roles,yca=groups"}, `REGISTRY_VHOST_OWNER_TYPES: owner type "yca" is mapped twice`},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VHOST_OWNER_TYPES": "user=email"}, `REGISTRY_VHOST_*: vhost: OwnerTypes: "user" is built in`},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_VHOST_OWNER_TYPES": "y ca=roles"}, `OwnerTypes: owner type "y ca"`},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_AUTHZ_ROLE_SOURCE": "application"}, "REGISTRY_AUTHZ_ROLE_BASED"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_TLS_CLIENT_CA_FILE": "/ca.pem"}, "REGISTRY_TLS_CLIENT_CA_FILE needs"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_TLS_CERT_FILE": "/x.pem", "REGISTRY_TLS_KEY_FILE": "/x.key", "REGISTRY_TLS_MIN_VERSION": "1.0"}, "REGISTRY_TLS_MIN_VERSION"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_KAFKA_BROKERS": "k:9092", "REGISTRY_KAFKA_VERIFY_JWT": "false"}, "REGISTRY_KAFKA_VERIFY_JWT=false needs REGISTRY_VAULT_ADDR"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_KAFKA_BROKERS": "k:9092", "REGISTRY_KAFKA_VERIFY_JWT": "sometimes"}, "REGISTRY_KAFKA_VERIFY_JWT"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_KAFKA_BROKERS": "k:9092", "REGISTRY_KAFKA_TOPIC_CREDENTIAL_RESPONSE": "get-package-registry-incoming-channel"}, "REGISTRY_KAFKA_TOPIC_"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_KAFKA_BROKERS": "k:9092", "REGISTRY_KAFKA_POISON_TOPIC": "registry.events"}, "REGISTRY_KAFKA_POISON_TOPIC"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_AUTH_BASIC": "true", "REGISTRY_AUTH_BASIC_GRANT": "implicit"}, `REGISTRY_AUTH_BASIC_GRANT "implicit": want client_credentials or password`},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_AUTH_BASIC": "true", "REGISTRY_AUTH_BASIC_GRANT": "password"}, "REGISTRY_AUTH_BASIC_GRANT=password needs REGISTRY_AUTH_BASIC_CLIENT_ID"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_AUTH_BASIC_GRANT": "password", "REGISTRY_AUTH_BASIC_CLIENT_ID": "docker"}, "REGISTRY_AUTH_BASIC_GRANT=password needs REGISTRY_AUTH_BASIC=true"},
		{map[string]string{"REGISTRY_DEV": "true", "REGISTRY_AUTH_BASIC": "true", "REGISTRY_AUTH_BASIC_CLIENT_SECRET": "s"}, "only used with REGISTRY_AUTH_BASIC_GRANT=password"},
	} {
		_, _, err := parseConfig(nil, env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v: error %v, want one naming %s", tc.env, err, tc.want)
		}
		// One message per bad setting: a malformed duration is not also
		// reported as the zero it parsed to.
		if err != nil && strings.Count(err.Error(), "REGISTRY_OIDC_JWKS_REFRESH") > 1 {
			t.Errorf("env %v: error %v names REGISTRY_OIDC_JWKS_REFRESH twice", tc.env, err)
		}
	}
}
