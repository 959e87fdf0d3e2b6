package handlers

import "context"

// UpdateImagePullSecret merges the given fields into an existing secret
// (PATCH semantics: a nil field keeps its value). The write is
// check-and-set on the version read, so a concurrent update is
// ErrConflict rather than lost.
type UpdateImagePullSecret struct {
	Auth
	Name     string  `json:"name"`
	Username *string `json:"username,omitempty"`
	Password *string `json:"password,omitempty"`
	URL      *string `json:"url,omitempty"`
}

// Update handles UpdateImagePullSecret.
func (h *ImagePullSecrets) Update(ctx context.Context, cmd UpdateImagePullSecret) (Result, error) {
	return h.secrets.update(ctx, cmd.Caller, cmd.Name, credentialPatch{cmd.Username, cmd.Password, cmd.URL})
}
