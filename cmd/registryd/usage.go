package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// variablesWithoutFlag describes the settings read from the environment
// only: secrets, kept off the command line where ps shows them, and the
// settings read by their own parsers (the token service's). --help lists
// them; TestHelpListsEverySettingOnce fails when one is read but missing
// here.
var variablesWithoutFlag = map[string]string{
	"REGISTRY_SEAL_KEY":                       "at-rest key ring: lines <id> <base64 32 bytes> (default: read from, or created in, the data directory's seal.key)",
	"REGISTRY_VAULT_ADMIN_TOKEN":              "Vault token for group and policy management (or --vault-admin-token-file)",
	"REGISTRY_AUTH_BASIC_CLIENT_SECRET":       "with the password grant: the secret of --auth-basic-client-id",
	"REGISTRY_CONSOLE_CLIENT_SECRET":          "the console client's secret at the issuer, when it is confidential",
	"REGISTRY_VHOST_AUDIT_ALL_HEARTBEATS":     "true audits every virtual-host heartbeat instead of sampling",
	"REGISTRY_VHOST_AUDIT_HEARTBEAT_INTERVAL": "when sampling: at most one audited heartbeat per server per interval (default 1m)",
	"REGISTRY_TOKEN_CONFIG":                   "registry token service YAML file read first (default etc/registry-token.yaml, may be absent)",
	"REGISTRY_TOKEN_ENABLED":                  "true serves the Docker registry token service: GET/POST /token, GET /token/jwks.json",
	"REGISTRY_TOKEN_ISSUER":                   "iss of registry tokens (default urn:hypo:registry)",
	"REGISTRY_TOKEN_AUDIENCE":                 "aud of registry tokens (default: the requested service)",
	"REGISTRY_TOKEN_LIFETIME":                 "registry token lifetime, 1s..1h (default 5m)",
	"REGISTRY_TOKEN_REALM":                    "token endpoint URL, realm of the Basic challenge",
	"REGISTRY_TOKEN_ALLOWED_SERVICES":         "comma-separated service values served (default any)",
	"REGISTRY_TOKEN_PLAN_CLAIM":               "claim naming the caller's plan (default stellaops:plan)",
	"REGISTRY_TOKEN_LICENSE_CLAIM":            "claim holding the caller's licence (default stellaops:license)",
	"REGISTRY_TOKEN_DEFAULT_PLAN":             "plan of callers whose token names none",
	"REGISTRY_TOKEN_ANONYMOUS_PLAN":           "plan of callers without credentials (default: refused)",
	"REGISTRY_TOKEN_REVOKED_LICENSES":         "comma-separated licences refused",
	"REGISTRY_TOKEN_GRANTS":                   "partial (default: the actions the plan allows) or strict",
	"REGISTRY_TOKEN_REQUIRED_SCOPES":          "scopes the caller's token must carry (default registry.token.issue; none: no check)",
	"REGISTRY_TOKEN_PLANS":                    "the plan catalogue as YAML or JSON (replaces the file's)",
	"REGISTRY_TOKEN_SIGNING_KEY_PATH":         "PEM or PFX signing key (default: generated in the data directory)",
	"REGISTRY_TOKEN_SIGNING_KEY_PASSWORD":     "PFX password",
	"REGISTRY_TOKEN_SIGNING_ALGORITHM":        "RS256 (default) or ES256",
	"REGISTRY_TOKEN_SIGNING_KEY_ID":           "kid header (default derived from the key)",
	"REGISTRY_TOKEN_SIGNING_KEY_ID_FORMAT":    "thumbprint (RFC 7638, default) or libtrust",
	"REGISTRY_TOKEN_REFRESH_DISABLED":         "true: no refresh tokens",
	"REGISTRY_TOKEN_REFRESH_LIFETIME":         "refresh token lifetime, 1m..8760h (default 720h)",
}

// settings parses an empty command line in an empty environment, noting
// every variable registryd reads: the flag set with the built-in defaults,
// and the variables.
func settings() (*flag.FlagSet, map[string]bool) {
	read := map[string]bool{}
	_, _, fs, _ := parseFlags(nil, func(key string) (string, bool) {
		read[key] = true
		return "", false
	})
	return fs, read
}

// printUsage is --help: every flag with its variable and built-in
// default, then the variables without a flag.
func printUsage(w io.Writer) {
	fs, read := settings()
	fmt.Fprint(w, `Usage:
  registryd [flags]                 run the registry
  registryd health [--url URL]      exit 0 when the registry answers ready (registryd health --help)
  registryd --version               print the version and commit

Every flag defaults to its REGISTRY_* environment variable, shown beside
it; a flag given on the command line wins.

Flags:
`)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		if !commandFlags[f.Name] {
			line += "  (" + flagVariable(f.Name) + ")"
		}
		fmt.Fprintf(w, "%s\n      %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	fmt.Fprint(w, "\nEnvironment only (secrets stay off the command line):\n")
	for _, key := range slices.Sorted(maps.Keys(read)) {
		if isFlagVariable(fs, key) {
			continue
		}
		desc := variablesWithoutFlag[key]
		fmt.Fprintf(w, "  %s\n      %s\n", key, desc)
	}
}

// isFlagVariable reports whether key is the variable of one of fs's flags.
func isFlagVariable(fs *flag.FlagSet, key string) bool {
	name, ok := strings.CutPrefix(key, "REGISTRY_")
	if !ok {
		return false
	}
	f := fs.Lookup(strings.ToLower(strings.ReplaceAll(name, "_", "-")))
	return f != nil && !commandFlags[f.Name]
}
