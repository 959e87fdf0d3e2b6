package handlers

import "context"

// GetImagePullSecret reads an image-pull secret, values included. Every read
// is an event, so the audit log shows who read which secret when.
type GetImagePullSecret struct {
	Auth
	Name string `json:"name"`
}

// Get handles GetImagePullSecret.
func (h *ImagePullSecrets) Get(ctx context.Context, cmd GetImagePullSecret) (Result, error) {
	return h.secrets.get(ctx, cmd.Caller, cmd.Name)
}
