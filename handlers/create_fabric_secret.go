package handlers

import "context"

// CreateFabricSecret stores a Fabric controller's credentials; an existing
// controller id is ErrConflict.
type CreateFabricSecret struct {
	Auth
	ControllerID string `json:"controllerId"`
	Username     string `json:"username"`
	Password     string `json:"password"`
}

// Create handles CreateFabricSecret.
func (h *FabricSecrets) Create(ctx context.Context, cmd CreateFabricSecret) (Result, error) {
	return h.secrets.create(ctx, cmd.Caller, cmd.ControllerID, credentialFields{username: cmd.Username, password: cmd.Password})
}
