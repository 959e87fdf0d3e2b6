package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
)

// vaultError is Vault's answer to a failed request reduced to what may be
// shown: the status and Vault's own messages, never a token or a body we
// sent. It wraps the sentinel the status maps to.
type vaultError struct {
	status int
	msg    string
	kind   error
}

// Error names no backend, and for a refusal the caller is told about
// (not found, conflict, invalid, forbidden) not Vault's own message
// either: it can quote the mount and path ("no handler for route
// 'hypo/data/…'"). A failed check-and-set says so in the caller's terms.
func (e *vaultError) Error() string {
	switch {
	case errors.Is(e.kind, handlers.ErrConflict) && strings.Contains(e.msg, casMismatch):
		return fmt.Sprintf("%v: the secret exists or changed since it was read (check-and-set)", e.kind)
	case errors.Is(e.kind, handlers.ErrUnavailable):
		return fmt.Sprintf("%v: the secret store answered %d: %s", e.kind, e.status, e.msg)
	}
	return fmt.Sprintf("%v: the secret store refused the request (status %d)", e.kind, e.status)
}

func (e *vaultError) Unwrap() error { return e.kind }

// casMismatch is KV v2's message for a failed check-and-set (status 400).
const casMismatch = "check-and-set parameter did not match"

// vaultErr maps a failed request: Vault's status when it answered, else
// (refused, reset, timed out, held off) ErrUnavailable.
func vaultErr(err error) error {
	var re *api.ResponseError
	if !errors.As(err, &re) {
		return vaultconn.NoAnswer(err)
	}
	return statusErr(re.StatusCode, re.Errors)
}

// statusErr is Vault's failed answer: its status and its errors.
func statusErr(status int, errs []string) error {
	// Vault's messages can span lines ("1 error occurred:\n\t* …"): keep
	// one line per error for logs.
	msg := strings.Join(strings.Fields(strings.Join(errs, "; ")), " ")
	return &vaultError{status: status, msg: shorten(msg), kind: statusKind(status, msg)}
}

// maxErrorMessage bounds the text of Vault's answer an error keeps: an
// answer that is not Vault's JSON (a proxy's error page) is kept whole as
// its one error, up to maxErrorBody, and a log line needs only its start.
const maxErrorMessage = 512

// shorten is msg cut to maxErrorMessage bytes, and valid UTF-8 either way.
func shorten(msg string) string {
	if len(msg) <= maxErrorMessage {
		return strings.ToValidUTF8(msg, "\uFFFD")
	}
	return strings.ToValidUTF8(msg[:maxErrorMessage], "\uFFFD") + "…"
}

// maxErrorBody bounds how much of a failed answer's body is kept.
const maxErrorBody = 64 << 10

// maxAnswer bounds an answer read on the API client's http.Client, as
// vaultconn.Reader bounds its own: Vault's default max_request_size.
const maxAnswer = 32 << 20

// bodyErr maps a failed answer read without the API client as
// api.Response.Error does: Vault's {"errors": [...]}, else the body as
// one error.
func bodyErr(status int, raw []byte) error {
	raw = raw[:min(len(raw), maxErrorBody)]
	var body struct {
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		body.Errors = []string{string(raw)}
	}
	return statusErr(status, body.Errors)
}

func statusKind(status int, msg string) error {
	switch {
	case status == http.StatusBadRequest && strings.Contains(msg, casMismatch):
		return handlers.ErrConflict
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return handlers.ErrForbidden
	case status == http.StatusNotFound:
		return handlers.ErrNotFound
	// 412: a performance standby has not caught up yet; 429: rate limited
	// or (sys/health) standby; 5xx includes 503 sealed.
	case status == http.StatusPreconditionFailed || status == http.StatusTooManyRequests || status >= 500:
		return handlers.ErrUnavailable
	case status >= 400:
		return handlers.ErrInvalid
	}
	return handlers.ErrUnavailable
}
