package handlers

import (
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/internal/secretpath"
)

// Sentinel errors every port and handler wraps, as fmt.Errorf("op: %w", err).
// Exactly one function per transport maps them to wire statuses (http/ for
// REST, the Kafka translator for reply statuses); handlers never see a status
// code. Error messages name resources, never secret values.
var (
	// ErrInvalid: the command is malformed; nothing was changed.
	ErrInvalid = errors.New("invalid")
	// ErrNotFound: the resource does not exist for this caller. Another
	// tenant's resource is reported as not found, never as forbidden.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the resource exists already, or changed underneath a
	// check-and-set write.
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the caller is known but may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated: the caller's credentials were refused.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrUnavailable: a backend could not be reached or timed out. It is the
	// only transient error: the router retries it, with backoff, a bounded
	// number of times.
	ErrUnavailable = errors.New("unavailable")
	// ErrTimeout comes with ErrUnavailable when a backend left a request
	// unanswered for its whole timeout, or refuses requests for a moment
	// right after one it left so: the time a caller may wait is spent, so
	// it is answered at once, not retried.
	ErrTimeout = errors.New("timed out")
)

// Transient reports whether err is worth retrying.
func Transient(err error) bool { return errors.Is(err, ErrUnavailable) }

// ReachesCaller reports whether err wraps one of the sentinels above: its
// text then reaches the client (a problem detail, a Kafka reply, a rejected
// event), so it names resources as the client named them and never a
// storage path or a backend. Adapters keep such detail for errors that do
// not reach the caller: those are answered "internal error".
func ReachesCaller(err error) bool {
	for _, s := range []error{ErrInvalid, ErrNotFound, ErrConflict, ErrForbidden, ErrUnauthenticated, ErrUnavailable} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// StoreRefusals are the sentinels a SecretStore's access rules
// (secretpath.CheckAccess, CheckCallerTenant, CheckData) wrap.
var StoreRefusals = secretpath.Refusals{Invalid: ErrInvalid, Forbidden: ErrForbidden, Unavailable: ErrUnavailable}

// OpErr wraps err with op (an adapter's operation, which may name a
// storage path) only when err reaches no caller: an error a caller is
// shown names the resource as the client did, never a storage path.
func OpErr(op string, err error) error {
	if ReachesCaller(err) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
