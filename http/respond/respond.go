// Package respond holds what every HTTP entry point of the registry answers
// alike: no answer is stored by a cache (NoStore), and an error is written
// in the entry point's body format (Format): RFC 9457 problem details on
// REST, seed 004's {"error":{"description":…}} under /registry/v1, the
// registry error body on /token.
package respond

import (
	"encoding/json"
	"net/http"
)

// NoStore marks every answer of next as not to be stored: replies and
// errors alike may carry a secret or a tenant's data. A route that answers
// public data says so by setting its own Cache-Control (the OpenAPI
// document, the JWKS), one that answers none by clearing it (health,
// metrics).
func NoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// ContentSecurityPolicy is seed 003's policy for every response: an API
// answer is never a document to render or frame.
const ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

// CSP sets ContentSecurityPolicy on every answer of next, before next runs,
// so a route that serves a page may set its own.
func CSP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
		next.ServeHTTP(w, r)
	})
}

// Operational clears what NoStore set, for a route whose answer holds no
// tenant's data and that says nothing of caching.
func Operational(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Del("Cache-Control")
		next.ServeHTTP(w, r)
	})
}

// Format is an entry point's error body: its media type and the headers
// its clients expect with a refusal.
type Format struct {
	// ContentType is the body's media type.
	ContentType string
	// Challenge is the WWW-Authenticate value of a 401.
	Challenge string
	// RetryAfter, when set, is the Retry-After of a 503: a backend failed
	// transiently.
	RetryAfter string
}

// Error answers status with body, a value of the format's JSON body.
func (f Format) Error(w http.ResponseWriter, status int, body any) {
	if status == http.StatusUnauthorized && f.Challenge != "" {
		w.Header().Set("WWW-Authenticate", f.Challenge)
	}
	if status == http.StatusServiceUnavailable && f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
