package oidcdev

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// Handler serves discovery, the JWKS and the token endpoint under the path of
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
	return mux
}

// JWKSURL is where Handler publishes the public keys.
func (i *Issuer) JWKSURL() string { return i.opts.Issuer + "/jwks.json" }

// TokenURL is the token endpoint.
func (i *Issuer) TokenURL() string { return i.opts.Issuer + "/token" }

func (i *Issuer) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                i.opts.Issuer,
		"jwks_uri":                              i.JWKSURL(),
		"token_endpoint":                        i.TokenURL(),
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"grant_types_supported":                 []string{"client_credentials", "password"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"response_types_supported":              []string{"token"},
		"subject_types_supported":               []string{"public"},
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
