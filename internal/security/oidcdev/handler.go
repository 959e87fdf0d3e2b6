package oidcdev

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// Handler serves discovery, the JWKS, the token endpoint and the
// authorization endpoint (a login page) under the path of
// the issuer URL, so an issuer "http://host/realms/dev" works like Keycloak's.
func (i *Issuer) Handler() http.Handler {
	base := ""
	if u, err := url.Parse(i.opts.Issuer); err == nil {
		base = u.Path
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+base+"/.well-known/openid-configuration", i.serveDiscovery)
	mux.HandleFunc("GET "+base+"/jwks.json", i.serveJWKS)
	mux.HandleFunc("POST "+base+"/token", i.serveToken)
	mux.HandleFunc("GET "+base+"/authorize", i.serveAuthorize)
	mux.HandleFunc("POST "+base+"/authorize", i.serveLogin)
	mux.HandleFunc("GET "+base+"/login.css", i.serveStylesheet)
	return mux
}

// path is p under the issuer URL's path.
func (i *Issuer) path(p string) string {
	if u, err := url.Parse(i.opts.Issuer); err == nil {
		return u.Path + p
	}
	return p
}

// AuthorizeURL is the authorization endpoint, whose GET is the login page.
func (i *Issuer) AuthorizeURL() string { return i.opts.Issuer + "/authorize" }

// JWKSURL is where Handler publishes the public keys.
func (i *Issuer) JWKSURL() string { return i.opts.Issuer + "/jwks.json" }

// TokenURL is the token endpoint.
func (i *Issuer) TokenURL() string { return i.opts.Issuer + "/token" }

func (i *Issuer) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                         i.opts.Issuer,
		"jwks_uri":                                       i.JWKSURL(),
		"token_endpoint":                                 i.TokenURL(),
		"authorization_endpoint":                         i.AuthorizeURL(),
		"id_token_signing_alg_values_supported":          []string{"RS256"},
		"grant_types_supported":                          []string{"authorization_code", "client_credentials", "password"},
		"token_endpoint_auth_methods_supported":          []string{"client_secret_basic", "client_secret_post", "none"},
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"code_challenge_methods_supported":               []string{"S256"},
		"scopes_supported":                               []string{"openid", "profile"},
		"subject_types_supported":                        []string{"public"},
		"authorization_response_iss_parameter_supported": true,
	})
}

// serveJWKS publishes every key not retired, the signing key included.
func (i *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	i.mu.RLock()
	keys := make([]map[string]string, 0, len(i.keys))
	for _, k := range i.keys {
		if !k.retired {
			keys = append(keys, k.publicJWK())
		}
	}
	i.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// writeJSON sends v uncached: token responses must not be cached (RFC 6749
// §5.1), and a cached JWKS would hide rotation and retirement.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client is gone; nothing to do
}
