package handlers

import "context"

// CreateImagePullSecret stores a new image-pull secret; an existing name is
// ErrConflict.
type CreateImagePullSecret struct {
	Auth
	Name     string `json:"name"`
	Username string `json:"username"`
	Password string `json:"password"`
	URL      string `json:"url,omitempty"`
}

// Create handles CreateImagePullSecret.
func (h *ImagePullSecrets) Create(ctx context.Context, cmd CreateImagePullSecret) (Result, error) {
	return h.secrets.create(ctx, cmd.Caller, cmd.Name, credentialFields{cmd.Username, cmd.Password, cmd.URL})
}
