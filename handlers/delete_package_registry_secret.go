package handlers

import "context"

// DeletePackageRegistrySecret removes package-registry credentials with
// every version.
type DeletePackageRegistrySecret struct {
	Auth
	Name string `json:"name"`
}

// Delete handles DeletePackageRegistrySecret.
func (h *PackageRegistrySecrets) Delete(ctx context.Context, cmd DeletePackageRegistrySecret) (Result, error) {
	return h.secrets.delete(ctx, cmd.Caller, cmd.Name)
}
