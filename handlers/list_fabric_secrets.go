package handlers

import "context"

// ListFabricSecrets lists the controller ids of the caller's Fabric
// credentials.
type ListFabricSecrets struct {
	Auth
}

// List handles ListFabricSecrets.
func (h *FabricSecrets) List(ctx context.Context, cmd ListFabricSecrets) (Result, error) {
	return h.secrets.list(ctx, cmd.Caller)
}
