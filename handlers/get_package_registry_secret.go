package handlers

import "context"

// GetPackageRegistrySecret reads package-registry credentials by name, or by
// any name for the same repository; the reply names the secret as it was
// created. Every read is an event.
type GetPackageRegistrySecret struct {
	Auth
	Name string `json:"name"`
}

// Get handles GetPackageRegistrySecret.
func (h *PackageRegistrySecrets) Get(ctx context.Context, cmd GetPackageRegistrySecret) (Result, error) {
	return h.secrets.get(ctx, cmd.Caller, cmd.Name)
}
