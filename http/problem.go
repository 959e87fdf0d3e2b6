package rest

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

const problemBase = "https://hypo-registry.dev/problems/"

var problems = []struct {
	err    error
	status int
	slug   string
	title  string
}{
	{handlers.ErrInvalid, http.StatusBadRequest, "invalid-request", "Invalid request"},
	{handlers.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated", "Authentication required"},
	{handlers.ErrForbidden, http.StatusForbidden, "forbidden", "Forbidden"},
	{handlers.ErrNotFound, http.StatusNotFound, "not-found", "Not found"},
	// Before ErrConflict, which it wraps.
	{bus.ErrKeyReused, http.StatusUnprocessableEntity, "idempotency-key-reused", "Idempotency-Key reused"},
	{handlers.ErrConflict, http.StatusConflict, "conflict", "Conflict"},
	{handlers.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "Service unavailable"},
	{errTooLarge, http.StatusBadRequest, "body-too-large", "Request body too large"},
	{errMediaType, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"},
	{errMethod, http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed"},
	{errHeadersTooLarge, http.StatusRequestHeaderFieldsTooLarge, "headers-too-large", "Request header fields too large"},
}

var (
	errTooLarge  = errors.New("request body too large")
	errMediaType = errors.New("unsupported media type")
	errMethod    = errors.New("method not allowed")
)

// retryAfterSeconds is the Retry-After of every 503: a backend failed
// transiently. One second is how long the Vault client holds requests off
// after Vault left one unanswered (vaultconn.HoldOff).
const retryAfterSeconds = "1"

// StatusOf is the one place an error becomes an HTTP status.
func StatusOf(err error) int {
	for _, p := range problems {
		if errors.Is(err, p.err) {
			return p.status
		}
	}
	return http.StatusInternalServerError
}

// writeProblem answers with problem details for err. Internal errors get a
// generic detail: their text may carry backend detail the caller must not see.
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := Problem{Type: problemBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError, Detail: "internal error", Instance: r.URL.Path}
	for _, known := range problems {
		if errors.Is(err, known.err) {
			p = Problem{Type: problemBase + known.slug, Title: known.title, Status: known.status, Detail: err.Error(), Instance: r.URL.Path}
			break
		}
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="registry-api"`)
	}
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfterSeconds)
		p.Detail = bus.PublicMessage(err)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
