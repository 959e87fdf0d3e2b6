package handlers

import "context"

// DeleteFabricSecret removes a Fabric controller's credentials with every
// version.
type DeleteFabricSecret struct {
	Auth
	ControllerID string `json:"controllerId"`
}

// Delete handles DeleteFabricSecret.
func (h *FabricSecrets) Delete(ctx context.Context, cmd DeleteFabricSecret) (Result, error) {
	return h.secrets.delete(ctx, cmd.Caller, cmd.ControllerID)
}
