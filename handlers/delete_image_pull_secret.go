package handlers

import "context"

// DeleteImagePullSecret removes a secret with every version. The audit log
// keeps the history; the store keeps nothing.
type DeleteImagePullSecret struct {
	Auth
	Name string `json:"name"`
}

// Delete handles DeleteImagePullSecret.
func (h *ImagePullSecrets) Delete(ctx context.Context, cmd DeleteImagePullSecret) (Result, error) {
	return h.secrets.delete(ctx, cmd.Caller, cmd.Name)
}
