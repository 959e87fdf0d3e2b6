package handlers

import "context"

// ListImagePullSecrets lists the names of the caller's image-pull secrets.
type ListImagePullSecrets struct {
	Auth
}

// List handles ListImagePullSecrets.
func (h *ImagePullSecrets) List(ctx context.Context, cmd ListImagePullSecrets) (Result, error) {
	return h.secrets.list(ctx, cmd.Caller)
}
