package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hypo-registry/registry/internal/secretpath"
)

// CredentialOption configures the handlers of a credential resource.
type CredentialOption func(*credentialSecrets) error

// OwnerOnly lets only a credential secret's creator, or a caller holding
// one of admins, change or delete it (REGISTRY_AUTHZ_OWNER_ONLY, seed 002).
// A secret whose creator is unknown (written before the option, or outside
// this service) may be changed by any writer. Which writers there are is
// authz's business, decided at the entry point before the command.
func OwnerOnly(owners Owners, admins ...string) CredentialOption {
	return func(s *credentialSecrets) error {
		if owners == nil {
			return errors.New("owner-only writes need the owners")
		}
		s.owners, s.admins = owners, slices.Clone(admins)
		return nil
	}
}

// mayChange refuses c's change to the secret at p when owner-only writes
// are on and c neither created it nor is an admin.
func (s credentialSecrets) mayChange(ctx context.Context, c Caller, p secretpath.Path, op, name string) error {
	if s.owners == nil || slices.ContainsFunc(s.admins, c.HasRole) {
		return nil
	}
	owner, err := s.owners.Owner(ctx, subject(p))
	if err != nil {
		return fmt.Errorf("%s %s: owner lookup: %w", op, name, err)
	}
	if owner != "" && owner != c.Subject {
		return fmt.Errorf("%s %s: %w: only its owner or an admin may change it", op, name, ErrForbidden)
	}
	return nil
}

// ListNames lets a list take each name as created from names instead of
// reading every secret for it: one store list per list. A key names does
// not know is still read.
func ListNames(names CreatedNames) CredentialOption {
	return func(s *credentialSecrets) error {
		if names == nil {
			return errors.New("list names need the created names")
		}
		s.names = names
		return nil
	}
}
