package auth

import (
	"errors"
	"fmt"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/handlers"
)

// Reasons a token is refused. Each is wrapped together with
// handlers.ErrUnauthenticated, so transports map every one of them to 401
// while tests and logs can tell them apart. Messages never carry the token,
// a claim value or a key id: those are attacker-controlled or sensitive.
var (
	ErrMalformed     = errors.New("token is malformed")
	ErrAlgorithm     = errors.New("token algorithm is not accepted")
	ErrCritical      = errors.New("token header names critical extensions (crit), none of which are understood")
	ErrBadSignature  = errors.New("token signature is invalid")
	ErrUnknownKey    = errors.New("token is signed by an unknown key")
	ErrExpired       = errors.New("token is expired")
	ErrNotYetValid   = errors.New("token is not valid yet")
	ErrWrongIssuer   = errors.New("token has the wrong issuer")
	ErrWrongAudience = errors.New("token has the wrong audience")
	ErrMissingClaim  = errors.New("token lacks a required claim")
	ErrNoSubject     = errors.New("token has no subject")
	ErrNoGroups      = errors.New("token has no groups claim")
	ErrBadTenant     = errors.New("groups claim: first group is not a valid tenant name")
	ErrBadRoles      = errors.New("roles claim is not a list of strings")
	ErrNoBearer      = errors.New("no bearer token")
	ErrClientRefused = errors.New("the issuer refused the client credentials")
	ErrUserRefused   = errors.New("the issuer refused the user name and password")
)

// refuse wraps reason with handlers.ErrUnauthenticated under op.
func refuse(op string, reason error) error {
	return fmt.Errorf("%s: %w: %w", op, handlers.ErrUnauthenticated, reason)
}

// reasonOf maps a jwt/keyfunc error to one of the reasons above. The order
// matters: claim errors are all wrapped in jwt.ErrTokenInvalidClaims, so the
// specific ones are checked first. The original error is dropped on purpose:
// keyfunc quotes the kid and the token's alg in its messages.
func reasonOf(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return ErrMalformed
	case errors.Is(err, keyfunc.ErrKeyfunc):
		return ErrUnknownKey
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return ErrAlgorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return ErrBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return ErrNotYetValid
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return ErrWrongIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return ErrWrongAudience
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return ErrMissingClaim
	default:
		return ErrMalformed
	}
}
