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

// The values of the headers every answer carries are shared by all
// answers: http.Header.Set makes a one-element slice per call, four of
// them on every answer. Sharing is safe because nothing changes a value
// slice in place: Set and Del replace or remove it, and Add appends to a
// slice with no spare capacity, so to a copy.
var (
	noStoreValue = shared("no-store")
	cspValue     = shared(ContentSecurityPolicy)
	noSniffValue = shared("nosniff")
	jsonValue    = shared("application/json")
)

func shared(v string) []string { return []string{v}[:1:1] }

// NoSniff tells browsers to take the answer's Content-Type as it is.
func NoSniff(h http.Header) { h["X-Content-Type-Options"] = noSniffValue }

// JSON marks the answer's body as JSON, not to be sniffed as anything else.
func JSON(h http.Header) {
	h["Content-Type"] = jsonValue
	NoSniff(h)
}

// NoStore marks every answer of next as not to be stored: replies and
// errors alike may carry a secret or a tenant's data. A route that answers
// public data says so by setting its own Cache-Control (the OpenAPI
// document, the JWKS), one that answers none by clearing it (health,
// metrics).
func NoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Cache-Control"] = noStoreValue
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
		w.Header()["Content-Security-Policy"] = cspValue
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
	NoSniff(w.Header())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
