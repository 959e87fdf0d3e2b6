package handlers

import "context"

// UpdateFabricSecret merges the given fields into a Fabric controller's
// credentials (PATCH semantics, check-and-set on the version read).
type UpdateFabricSecret struct {
	Auth
	ControllerID string  `json:"controllerId"`
	Username     *string `json:"username,omitempty"`
	Password     *string `json:"password,omitempty"`
}

// Update handles UpdateFabricSecret.
func (h *FabricSecrets) Update(ctx context.Context, cmd UpdateFabricSecret) (Result, error) {
	return h.secrets.update(ctx, cmd.Caller, cmd.ControllerID, credentialPatch{username: cmd.Username, password: cmd.Password})
}
