package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/secretpath"
)

// ResolveRepoCredentials finds the credentials of a chart repository (the
// Package Manager's "parsing" request of seed 000). No stored credential is
// ErrNotFound, never an empty success: the Package Manager must learn that
// the repository's credentials are missing, not try anonymously.
type ResolveRepoCredentials struct {
	Auth
	RepositoryURL string `json:"repositoryUrl"`
}

// RepoCredentials is the reply: the seed's repoCredentials.
type RepoCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// ResolveRepo handles ResolveRepoCredentials.
func (h *CredentialRequests) ResolveRepo(ctx context.Context, cmd ResolveRepoCredentials) (Result, error) {
	cred, ev, err := h.pkg.FindPackageRegistryCredential(ctx, cmd.Caller, cmd.RepositoryURL)
	if errors.Is(err, ErrNotFound) {
		// The URL normalised, since Find succeeded in normalising it.
		name, _ := secretpath.NormalizeRegistryName(cmd.RepositoryURL)
		return Result{}, fmt.Errorf("resolve repo credentials: no package-registry credentials for %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Result{}, fmt.Errorf("resolve repo credentials: %w", err)
	}
	return Result{
		Events: []events.Outcome{ev},
		Reply:  RepoCredentials{Username: cred.Username, Password: cred.Password},
	}, nil
}
