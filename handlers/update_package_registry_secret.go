package handlers

import "context"

// UpdatePackageRegistrySecret merges the given fields into existing
// package-registry credentials (PATCH semantics, check-and-set on the version
// read). The name as first given is kept.
type UpdatePackageRegistrySecret struct {
	Auth
	Name     string  `json:"name"`
	Username *string `json:"username,omitempty"`
	Password *string `json:"password,omitempty"`
	URL      *string `json:"url,omitempty"`
}

// Update handles UpdatePackageRegistrySecret.
func (h *PackageRegistrySecrets) Update(ctx context.Context, cmd UpdatePackageRegistrySecret) (Result, error) {
	return h.secrets.update(ctx, cmd.Caller, cmd.Name, credentialPatch{cmd.Username, cmd.Password, cmd.URL})
}
