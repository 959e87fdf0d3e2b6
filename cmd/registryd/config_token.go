package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/hypo-registry/registry/handlers/registrytoken"
)

// registryTokenConfig reads the file named by REGISTRY_TOKEN_CONFIG
// (default registrytoken.DefaultConfigFile, which may be absent; a named
// file must exist), then overlays the REGISTRY_TOKEN_* variables with
// applyRegistryTokenEnv. Defaults are not applied.
func registryTokenConfig(lookup func(string) (string, bool)) (registrytoken.Config, error) {
	path, named := lookup("REGISTRY_TOKEN_CONFIG")
	if !named || path == "" {
		path = registrytoken.DefaultConfigFile
	}
	cfg, err := registrytoken.LoadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !named {
		cfg, err = registrytoken.Config{}, nil
	}
	if err != nil {
		return registrytoken.Config{}, fmt.Errorf("REGISTRY_TOKEN_CONFIG: %w", err)
	}
	return applyRegistryTokenEnv(cfg, lookup)
}

// applyRegistryTokenEnv overlays the REGISTRY_TOKEN_* variables on cfg; a
// set variable wins over the file, a blank one counts as unset. Lists are
// comma-separated. Every malformed value is reported, naming its variable.
//
//	REGISTRY_TOKEN_CONFIG                 YAML file to read first; default etc/registry-token.yaml
//	REGISTRY_TOKEN_ENABLED                true serves GET/POST /token
//	REGISTRY_TOKEN_ISSUER                 iss claim; default urn:hypo:registry
//	REGISTRY_TOKEN_AUDIENCE               aud claim; default: the requested service
//	REGISTRY_TOKEN_LIFETIME               token lifetime, 1s..1h; default 5m
//	REGISTRY_TOKEN_REALM                  token endpoint URL, realm of the Basic challenge
//	REGISTRY_TOKEN_ALLOWED_SERVICES       service values served; default any
//	REGISTRY_TOKEN_PLAN_CLAIM             claim naming the plan; default stellaops:plan
//	REGISTRY_TOKEN_LICENSE_CLAIM          claim holding the licence; default stellaops:license
//	REGISTRY_TOKEN_DEFAULT_PLAN           plan of callers whose token names none
//	REGISTRY_TOKEN_ANONYMOUS_PLAN         plan of callers without credentials; default: refused
//	REGISTRY_TOKEN_REVOKED_LICENSES       licences refused
//	REGISTRY_TOKEN_GRANTS                 partial (default: the actions the plan allows) or strict (403 unless all)
//	REGISTRY_TOKEN_REQUIRED_SCOPES        scopes the caller's token must carry; default registry.token.issue; none: no check
//	REGISTRY_TOKEN_PLANS                  the plan catalogue as YAML or JSON (a list of plans); replaces the file's
//	REGISTRY_TOKEN_SIGNING_KEY_PATH       PEM or PFX signing key; default: generated in the data directory
//	REGISTRY_TOKEN_SIGNING_KEY_PASSWORD   PFX password
//	REGISTRY_TOKEN_SIGNING_ALGORITHM      RS256 (default) or ES256
//	REGISTRY_TOKEN_SIGNING_KEY_ID         kid header; default derived from the key
//	REGISTRY_TOKEN_SIGNING_KEY_ID_FORMAT  thumbprint (RFC 7638, default) or libtrust
//	REGISTRY_TOKEN_REFRESH_DISABLED       true: no refresh tokens
//	REGISTRY_TOKEN_REFRESH_LIFETIME       refresh token lifetime, 1m..8760h; default 720h
func applyRegistryTokenEnv(cfg registrytoken.Config, lookup func(string) (string, bool)) (registrytoken.Config, error) {
	var errs []error
	get := func(key string) (string, bool) {
		v, ok := lookup(key)
		return strings.TrimSpace(v), ok && strings.TrimSpace(v) != ""
	}
	str := func(key string, dst *string) {
		if v, ok := get(key); ok {
			*dst = v
		}
	}
	list := func(key string, dst *[]string) {
		if v, ok := get(key); ok {
			*dst = nil
			for item := range strings.SplitSeq(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					*dst = append(*dst, item)
				}
			}
		}
	}
	boolean := func(key string, dst *bool) {
		if v, ok := get(key); ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %q: want true or false", key, v))
			}
			*dst = b
		}
	}
	duration := func(key string, dst *time.Duration) {
		if v, ok := get(key); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %q: want a duration like 5m", key, v))
			}
			*dst = d
		}
	}
	boolean("REGISTRY_TOKEN_ENABLED", &cfg.Enabled)
	str("REGISTRY_TOKEN_ISSUER", &cfg.Issuer)
	str("REGISTRY_TOKEN_AUDIENCE", &cfg.Audience)
	duration("REGISTRY_TOKEN_LIFETIME", &cfg.Lifetime)
	str("REGISTRY_TOKEN_REALM", &cfg.Realm)
	list("REGISTRY_TOKEN_ALLOWED_SERVICES", &cfg.AllowedServices)
	str("REGISTRY_TOKEN_PLAN_CLAIM", &cfg.PlanClaim)
	str("REGISTRY_TOKEN_LICENSE_CLAIM", &cfg.LicenseClaim)
	str("REGISTRY_TOKEN_DEFAULT_PLAN", &cfg.DefaultPlan)
	str("REGISTRY_TOKEN_GRANTS", &cfg.Grants)
	str("REGISTRY_TOKEN_ANONYMOUS_PLAN", &cfg.AnonymousPlan)
	list("REGISTRY_TOKEN_REVOKED_LICENSES", &cfg.RevokedLicenses)
	if v, ok := get("REGISTRY_TOKEN_REQUIRED_SCOPES"); ok && v == "none" {
		cfg.RequiredScopes = []string{}
	} else {
		list("REGISTRY_TOKEN_REQUIRED_SCOPES", &cfg.RequiredScopes)
	}
	if v, ok := get("REGISTRY_TOKEN_PLANS"); ok {
		plans, err := registrytoken.ParsePlans(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("REGISTRY_TOKEN_PLANS: want a YAML or JSON list of plans: %w", err))
		}
		cfg.Plans = plans
	}
	str("REGISTRY_TOKEN_SIGNING_KEY_PATH", &cfg.Signing.KeyPath)
	str("REGISTRY_TOKEN_SIGNING_KEY_PASSWORD", &cfg.Signing.KeyPassword)
	str("REGISTRY_TOKEN_SIGNING_ALGORITHM", &cfg.Signing.Algorithm)
	str("REGISTRY_TOKEN_SIGNING_KEY_ID", &cfg.Signing.KeyID)
	str("REGISTRY_TOKEN_SIGNING_KEY_ID_FORMAT", &cfg.Signing.KeyIDFormat)
	boolean("REGISTRY_TOKEN_REFRESH_DISABLED", &cfg.Refresh.Disabled)
	duration("REGISTRY_TOKEN_REFRESH_LIFETIME", &cfg.Refresh.Lifetime)
	return cfg, errors.Join(errs...)
}
