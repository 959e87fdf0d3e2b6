package handlers

import "context"

// ListPackageRegistrySecrets lists the caller's package-registry secrets,
// each by the name it was created with.
type ListPackageRegistrySecrets struct {
	Auth
}

// List handles ListPackageRegistrySecrets.
func (h *PackageRegistrySecrets) List(ctx context.Context, cmd ListPackageRegistrySecrets) (Result, error) {
	return h.secrets.list(ctx, cmd.Caller)
}
