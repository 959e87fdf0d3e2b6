package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/internal/secretpath"
)

// Kubeconfig scopes (seed 000, "Kubeconfig Store Flow"): a cluster-admin
// kubeconfig, or a namespace-scoped service account's.
const (
	KubeconfigCluster     = "CLUSTER"
	KubeconfigNamespaceSA = "NAMESPACE_SA"
)

// kubeconfigKey is the secret key holding the Base64 of the kubeconfig YAML
// (seed 000, "Vault Path Structure").
const kubeconfigKey = "kubeConfig"

// kubeconfigScopes maps each scope to its storage scope, in lookup order:
// a service id is looked for as CLUSTER first.
var kubeconfigScopes = []struct {
	name  string
	store secretpath.Scope
}{
	{KubeconfigCluster, secretpath.KubernetesConfig},
	{KubeconfigNamespaceSA, secretpath.KubernetesSAConfig},
}

// Kubeconfigs handles the kubeconfig commands: storing one (from the Kafka
// ingress), reading it, listing them and issuing terminal access tokens
// bound to one. Kubeconfigs are stored at kubernetes-config/{tenant}/{serviceId}
// (CLUSTER) or kubernetes-sa-config/{tenant}/{serviceId} (NAMESPACE_SA)
// under the key kubeConfig, Base64-encoded.
type Kubeconfigs struct {
	store  SecretStore
	signer TerminalTokenSigner
}

// NewKubeconfigs refuses a nil store or signer.
func NewKubeconfigs(store SecretStore, signer TerminalTokenSigner) (*Kubeconfigs, error) {
	if store == nil || signer == nil {
		return nil, errors.New("kubeconfigs: nil secret store or terminal token signer")
	}
	return &Kubeconfigs{store: store, signer: signer}, nil
}

// kubeconfigPath is the storage path of serviceID in scope (empty: CLUSTER)
// for the caller's tenant.
func kubeconfigPath(c Caller, scope, serviceID string) (secretpath.Path, error) {
	if scope == "" {
		scope = KubeconfigCluster
	}
	for _, s := range kubeconfigScopes {
		if s.name == scope {
			p, err := secretpath.New(s.store, c.Tenant, serviceID)
			if err != nil {
				return p, fmt.Errorf("%w: %v", ErrInvalid, err)
			}
			return p, nil
		}
	}
	return secretpath.Path{}, fmt.Errorf("%w: unknown kubeconfig scope %q (want %s or %s)", ErrInvalid, scope, KubeconfigCluster, KubeconfigNamespaceSA)
}

// findKubeconfig reads the caller's kubeconfig for serviceID, CLUSTER first,
// then NAMESPACE_SA, and returns it with its scope and path. Neither is
// ErrNotFound (so is another tenant's: the path is always the caller's).
func (h *Kubeconfigs) findKubeconfig(ctx context.Context, c Caller, op, serviceID string) (Secret, string, secretpath.Path, error) {
	for _, s := range kubeconfigScopes {
		p, err := kubeconfigPath(c, s.name, serviceID)
		if err != nil {
			return Secret{}, "", p, fmt.Errorf("%s: %w", op, err)
		}
		sec, err := h.store.Read(ctx, c, p, 0)
		if err == nil {
			return sec, s.name, p, nil
		}
		if err = nameErr(op, serviceID, err); !errors.Is(err, ErrNotFound) {
			return Secret{}, "", p, err
		}
	}
	return Secret{}, "", secretpath.Path{}, fmt.Errorf("%s %s: no kubeconfig: %w", op, serviceID, ErrNotFound)
}
