package rest

import (
	"errors"
	"net/http"

	"github.com/hypo-registry/registry/http/respond"
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

// problemType is how REST answers one kind of error.
type problemType struct {
	status int
	slug   string
	title  string
}

// problemTypes answers every kind of bus.Sentinels (the one list of the
// errors a caller tells apart), and KindInternal.
var problemTypes = map[string]problemType{
	bus.KindInvalid:         {http.StatusBadRequest, "invalid-request", "Invalid request"},
	bus.KindUnauthenticated: {http.StatusUnauthorized, "unauthenticated", "Authentication required"},
	bus.KindForbidden:       {http.StatusForbidden, "forbidden", "Forbidden"},
	bus.KindNotFound:        {http.StatusNotFound, "not-found", "Not found"},
	bus.KindKeyReused:       {http.StatusUnprocessableEntity, "idempotency-key-reused", "Idempotency-Key reused"},
	bus.KindConflict:        {http.StatusConflict, "conflict", "Conflict"},
	bus.KindUnavailable:     {http.StatusServiceUnavailable, "unavailable", "Service unavailable"},
	bus.KindInternal:        {http.StatusInternalServerError, "internal", "Internal error"},
}

// facadeProblems are the facade's own refusals, which wrap no sentinel:
// the request never became a command.
var facadeProblems = []struct {
	err error
	problemType
}{
	{errTooLarge, problemType{http.StatusBadRequest, "body-too-large", "Request body too large"}},
	{errMediaType, problemType{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"}},
	{errMethod, problemType{http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed"}},
	{errHeadersTooLarge, problemType{http.StatusRequestHeaderFieldsTooLarge, "headers-too-large", "Request header fields too large"}},
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

// problemFormat is REST's error body: RFC 9457 problem details.
var problemFormat = respond.Format{ContentType: "application/problem+json", Challenge: `Bearer realm="registry-api"`, RetryAfter: retryAfterSeconds}

// StatusOf is the one place an error becomes an HTTP status.
func StatusOf(err error) int {
	t, _ := problemOf(err)
	return t.status
}

// problemOf is err's problem type and the detail a caller may see: the
// error's text for a refusal they can act on, a fixed sentence for an
// unavailable backend or an internal error (bus.PublicMessage), whose text
// may carry backend detail.
func problemOf(err error) (problemType, string) {
	kind := bus.KindOf(err)
	if kind == bus.KindInternal {
		for _, p := range facadeProblems {
			if errors.Is(err, p.err) {
				return p.problemType, err.Error()
			}
		}
	}
	return problemTypes[kind], bus.PublicMessage(err)
}

// writeProblem answers with problem details for err. Internal errors get a
// generic detail: their text may carry backend detail the caller must not see.
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	t, detail := problemOf(err)
	p := Problem{Type: problemBase + t.slug, Title: t.title, Status: t.status, Detail: detail, Instance: r.URL.Path}
	problemFormat.Error(w, p.Status, p)
}
