package handlers

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/hypo-registry/registry/events"
)

// StoreKubeconfig stores a kubeconfig for a service (seed 000, "Kubeconfig
// Store Flow": it arrives over Kafka, never over REST). The YAML must be a
// kubeconfig; it is stored Base64-encoded under the key kubeConfig. Storing
// over an existing one makes a new version.
type StoreKubeconfig struct {
	Auth
	ServiceID string `json:"serviceId"`
	// Scope is CLUSTER (the default when empty) or NAMESPACE_SA.
	Scope          string `json:"scope,omitempty"`
	KubeconfigYAML []byte `json:"kubeconfigYaml"`
}

// KubeconfigStored is the reply of a store: metadata only.
type KubeconfigStored struct {
	ServiceID   string    `json:"serviceId"`
	Scope       string    `json:"scope"`
	Version     int       `json:"version"`
	UpdatedTime time.Time `json:"updatedTime"`
}

// Store handles StoreKubeconfig. Its event names the service, scope and
// version, and holds nothing of the kubeconfig.
func (h *Kubeconfigs) Store(ctx context.Context, cmd StoreKubeconfig) (Result, error) {
	c := cmd.Caller
	scope := cmd.Scope
	if scope == "" {
		scope = KubeconfigCluster
	}
	p, err := kubeconfigPath(c, scope, cmd.ServiceID)
	if err != nil {
		return Result{}, err
	}
	if err := checkKubeconfig(cmd.KubeconfigYAML); err != nil {
		return Result{}, nameErr("store kubeconfig", cmd.ServiceID, err)
	}
	data := SecretData{kubeconfigKey: base64.StdEncoding.EncodeToString(cmd.KubeconfigYAML)}
	meta, err := h.store.Write(ctx, c, p, data, nil)
	if err != nil {
		return Result{}, nameErr("store kubeconfig", cmd.ServiceID, err)
	}
	return Result{
		Events: []events.Outcome{{
			Type: events.KubeconfigStored, Tenant: p.Tenant, Subject: subject(p),
			Data: map[string]any{"serviceId": cmd.ServiceID, "scope": scope, "version": meta.CurrentVersion, "actor": c.Subject},
		}},
		Reply: KubeconfigStored{ServiceID: cmd.ServiceID, Scope: scope, Version: meta.CurrentVersion, UpdatedTime: meta.UpdatedTime},
	}, nil
}
