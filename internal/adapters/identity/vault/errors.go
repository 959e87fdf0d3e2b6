package vault

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
)

// statusSentinel is the handlers sentinel of Vault's failed answer.
func statusSentinel(code int) error {
	switch {
	case code == http.StatusBadRequest:
		return handlers.ErrInvalid
	case code == http.StatusNotFound:
		return handlers.ErrNotFound
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		// The admin token is missing, expired or lacks a capability.
		return handlers.ErrForbidden
	}
	// 429, 5xx (503 when sealed or standby), 412 consistency: Vault may
	// answer differently soon.
	return handlers.ErrUnavailable
}

// vaultErr maps an error of the Vault client to a handlers sentinel. It
// keeps Vault's messages and the status, which name paths, never the token
// (a header); the request URL is left out as the caller's error names the
// resource already.
func vaultErr(err error) error {
	var re *api.ResponseError
	if !errors.As(err, &re) {
		// No answer: refused connection, timeout, TLS failure.
		return vaultconn.NoAnswer(err)
	}
	sentinel := statusSentinel(re.StatusCode)
	msg := strings.Join(re.Errors, "; ")
	if re.RawError {
		msg = "unparsable error body"
	}
	// The text reaches the caller: it names no backend. A 400 keeps Vault's
	// message (it is about the request: rules that do not parse); a 404 or
	// 403 does not, as it can quote the route ("identity/group/name/…").
	switch sentinel {
	case handlers.ErrInvalid, handlers.ErrUnavailable:
		return fmt.Errorf("%w: the identity store answered %d: %s", sentinel, re.StatusCode, msg)
	}
	return fmt.Errorf("%w: the identity store refused the request (status %d)", sentinel, re.StatusCode)
}

// wrapVault is vaultErr that keeps nil.
func wrapVault(err error) error {
	if err == nil {
		return nil
	}
	return vaultErr(err)
}

func isNotFound(err error) bool { return errors.Is(err, handlers.ErrNotFound) }
