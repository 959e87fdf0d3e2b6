package handlers

import (
	"context"
	"time"

	"github.com/hypo-registry/registry/events"
)

// GetKubeconfig reads a service's kubeconfig, the CLUSTER one if there is
// one, else the NAMESPACE_SA one (the Kafka retrieval of seed 000). Every
// read is an event.
type GetKubeconfig struct {
	Auth
	ServiceID string `json:"serviceId"`
}

// Kubeconfig is the reply of a read: the kubeconfig, for the authorised
// caller only.
type Kubeconfig struct {
	ServiceID string `json:"serviceId"`
	Scope     string `json:"scope"`
	// KubeconfigBase64 is the kubeconfig YAML, Base64-encoded, as stored.
	KubeconfigBase64 string    `json:"kubeConfig"`
	Version          int       `json:"version"`
	UpdatedTime      time.Time `json:"updatedTime"`
}

// Get handles GetKubeconfig.
func (h *Kubeconfigs) Get(ctx context.Context, cmd GetKubeconfig) (Result, error) {
	c := cmd.Caller
	sec, scope, p, err := h.findKubeconfig(ctx, c, "read kubeconfig", cmd.ServiceID)
	if err != nil {
		return Result{}, err
	}
	return Result{
		Events: []events.Outcome{{
			Type: events.KubeconfigRead, Tenant: p.Tenant, Subject: subject(p),
			Data: map[string]any{"serviceId": cmd.ServiceID, "scope": scope, "version": sec.Version, "actor": c.Subject},
		}},
		Reply: Kubeconfig{
			ServiceID: cmd.ServiceID, Scope: scope, KubeconfigBase64: sec.Data[kubeconfigKey],
			Version: sec.Version, UpdatedTime: sec.Metadata.UpdatedTime,
		},
	}, nil
}
