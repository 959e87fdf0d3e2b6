package handlers

import "context"

// GetFabricSecret reads a Fabric controller's credentials, values included.
// Every read is an event.
type GetFabricSecret struct {
	Auth
	ControllerID string `json:"controllerId"`
}

// Get handles GetFabricSecret.
func (h *FabricSecrets) Get(ctx context.Context, cmd GetFabricSecret) (Result, error) {
	return h.secrets.get(ctx, cmd.Caller, cmd.ControllerID)
}
