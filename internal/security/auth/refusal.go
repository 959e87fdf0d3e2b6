package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/hypo-registry/registry/handlers"
)

// reasons are the refusals a caller is told, in the order they are looked
// for in a verifier's or exchanger's error.
var reasons = []error{
	ErrMalformed, ErrAlgorithm, ErrCritical, ErrBadSignature, ErrUnknownKey,
	ErrExpired, ErrNotYetValid, ErrWrongIssuer, ErrWrongAudience, ErrMissingClaim,
	ErrNoSubject, ErrNoGroups, ErrBadTenant, ErrBadRoles, ErrNoBearer, ErrClientRefused, ErrUserRefused,
}

// unauthenticated is reason as every entry point reports it:
// "unauthenticated: <reason>".
func unauthenticated(reason error) error {
	return fmt.Errorf("%w: %w", handlers.ErrUnauthenticated, reason)
}

// normalize reduces a verifier's or exchanger's error to its reason (the
// operation that found it is no business of the caller's). An unreachable
// issuer stays handlers.ErrUnavailable; anything else is unauthenticated.
func normalize(err error) error {
	if errors.Is(err, handlers.ErrUnavailable) {
		return err
	}
	for _, r := range reasons {
		if errors.Is(err, r) {
			return unauthenticated(r)
		}
	}
	if errors.Is(err, handlers.ErrUnauthenticated) {
		return err
	}
	return fmt.Errorf("%w: %v", handlers.ErrUnauthenticated, err)
}

// parseBasic reads "Basic base64(id:secret)" (RFC 7617), as
// net/http.Request.BasicAuth does.
func parseBasic(header string) (id, secret string, ok bool) {
	scheme, enc, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}
