package handlers

import "context"

// CreatePackageRegistrySecret stores new package-registry credentials. A
// name for the same repository as an existing one (see
// secretpath.RegistryKey) is ErrConflict.
type CreatePackageRegistrySecret struct {
	Auth
	Name     string `json:"name"`
	Username string `json:"username"`
	Password string `json:"password"`
	URL      string `json:"url,omitempty"`
}

// Create handles CreatePackageRegistrySecret.
func (h *PackageRegistrySecrets) Create(ctx context.Context, cmd CreatePackageRegistrySecret) (Result, error) {
	return h.secrets.create(ctx, cmd.Caller, cmd.Name, credentialFields{cmd.Username, cmd.Password, cmd.URL})
}
