package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// PackageRegistrySecrets handles the package-registry secret commands of
// seed 000: Helm, OCI or Git repository credentials stored at
// package-registry/{tenant}/{key} with the keys username, password, url and
// name. A name is typically the repository's host or URL; key is
// secretpath.RegistryKey(name), so names for the same repository (with or
// without scheme, trailing slash, default port, host case) share one secret,
// and name keeps the name as it was first given, for lists and replies.
type PackageRegistrySecrets struct {
	secrets credentialSecrets
}

var packageRegistryKind = credentialKind{
	noun:    "package-registry secret",
	created: events.PackageRegistrySecretCreated, updated: events.PackageRegistrySecretUpdated,
	deleted: events.PackageRegistrySecretDeleted, read: events.PackageRegistrySecretRead,
	listed:  events.PackageRegistrySecretsListed,
	withURL: true,
	key:     secretpath.RegistryKey,
	display: func(key string) string {
		if n, err := secretpath.ParseRegistryKey(key); err == nil {
			return n
		}
		return key
	},
}

// NewPackageRegistrySecrets refuses a nil store; opts (OwnerOnly) configure it.
func NewPackageRegistrySecrets(store SecretStore, opts ...CredentialOption) (*PackageRegistrySecrets, error) {
	s, err := newCredentialSecrets(store, secretpath.PackageRegistry, packageRegistryKind, opts)
	if err != nil {
		return nil, err
	}
	return &PackageRegistrySecrets{secrets: s}, nil
}

// maxLookupDepth bounds the reads of one lookup: a repository URL is
// matched against at most this many of its prefixes.
const maxLookupDepth = 16

// FindPackageRegistryCredential finds the caller's credential for a chart
// repository (the Package Manager's parsing request, seed 000: its
// serviceRepositoryURL is matched against stored names). The URL is
// normalised as names are, so the scheme, a trailing slash, a default port
// and the host's case do not matter. The most specific stored name wins: for
// "https://charts.example.com/a/b" a secret named for that URL, else for
// "charts.example.com/a", else for "charts.example.com". No match is
// ErrNotFound.
//
// It returns the credential and the read event: the caller must emit it
// with its own events, so every lookup is audited.
func (h *PackageRegistrySecrets) FindPackageRegistryCredential(ctx context.Context, c Caller, repositoryURL string) (RegistryCredential, events.Outcome, error) {
	candidate, err := secretpath.NormalizeRegistryName(repositoryURL)
	if err != nil {
		return RegistryCredential{}, events.Outcome{}, fmt.Errorf("%w: find package-registry secret: %v", ErrInvalid, err)
	}
	for range maxLookupDepth {
		cred, ev, err := h.secrets.read(ctx, c, candidate)
		if !errors.Is(err, ErrNotFound) {
			return cred, ev, err
		}
		i := strings.LastIndex(candidate, "/")
		if i < 0 {
			break
		}
		candidate = strings.TrimRight(candidate[:i], "/")
	}
	return RegistryCredential{}, events.Outcome{}, fmt.Errorf("find package-registry secret for a repository: %w", ErrNotFound)
}
