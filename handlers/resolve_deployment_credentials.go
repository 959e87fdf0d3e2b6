package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// ResolveDeploymentCredentials gathers what the Package Manager needs before
// a Helm operation (the "deployment", "activation" and "termination"
// requests of seed 000): the kubeconfig of the target cluster, the
// image-pull secret named by SecretName if one is, and the scheduler
// namespace if the service's order stored one. The kubeconfig, and a named
// image-pull secret, are required: a missing one is ErrNotFound naming it.
//
// ServiceID is the service being operated (serviceOperationRequest.serviceId:
// its order metadata holds the scheduler namespace); KubernetesServiceID is
// the cluster's service id, under which SONATA stored the kubeconfig. When
// KubernetesServiceID is empty the kubeconfig is looked up by ServiceID.
type ResolveDeploymentCredentials struct {
	Auth
	ServiceID           string `json:"serviceId"`
	KubernetesServiceID string `json:"kubernetesServiceId,omitempty"`
	SecretName          string `json:"secretName,omitempty"`
}

// DeploymentCredentials is the reply, named as the seed's response data.
type DeploymentCredentials struct {
	KubeConfigAsBase64 string                     `json:"kubeConfigAsBase64"`
	ImagePullSecret    *ImagePullSecretCredential `json:"imagePullSecret,omitempty"`
	SchedulerNamespace string                     `json:"schedulerNamespace,omitempty"`
}

// ImagePullSecretCredential is the seed's imagePullSecret.
type ImagePullSecretCredential struct {
	SecretName string `json:"secretName"`
	Username   string `json:"username"`
	Password   string `json:"password"`
	URL        string `json:"url"`
}

// schedulerNamespaceKey is the service-order-data key naming the scheduler's
// namespace (seed 000, "Vault Path Structure").
const schedulerNamespaceKey = "schedulerNamespace"

const resolveDeploymentOp = "resolve deployment credentials"

// ResolveDeployment handles ResolveDeploymentCredentials. Every secret read
// is an event naming it; the events hold no stored value.
func (h *CredentialRequests) ResolveDeployment(ctx context.Context, cmd ResolveDeploymentCredentials) (Result, error) {
	c := cmd.Caller
	cluster := cmd.KubernetesServiceID
	if cluster == "" {
		cluster = cmd.ServiceID
	}
	sec, scope, p, err := h.kube.findKubeconfig(ctx, c, resolveDeploymentOp, cluster)
	if errors.Is(err, ErrNotFound) {
		return Result{}, fmt.Errorf("%s: no kubeconfig stored for service %s: %w", resolveDeploymentOp, cluster, ErrNotFound)
	}
	if err != nil {
		return Result{}, err
	}
	reply := DeploymentCredentials{KubeConfigAsBase64: sec.Data[kubeconfigKey]}
	evs := []events.Outcome{{
		Type: events.KubeconfigRead, Tenant: p.Tenant, Subject: subject(p),
		Data: map[string]any{"serviceId": cluster, "scope": scope, "version": sec.Version, "actor": c.Subject},
	}}

	if cmd.SecretName != "" {
		cred, ev, err := h.imagePull.secrets.read(ctx, c, cmd.SecretName)
		if errors.Is(err, ErrNotFound) {
			return Result{}, fmt.Errorf("%s: no image-pull secret %s: %w", resolveDeploymentOp, cmd.SecretName, ErrNotFound)
		}
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", resolveDeploymentOp, err)
		}
		reply.ImagePullSecret = &ImagePullSecretCredential{
			SecretName: cmd.SecretName, Username: cred.Username, Password: cred.Password, URL: cred.URL,
		}
		evs = append(evs, ev)
	}

	ns, ev, found, err := h.schedulerNamespace(ctx, c, cmd.ServiceID)
	if err != nil {
		return Result{}, err
	}
	if found {
		reply.SchedulerNamespace = ns
		evs = append(evs, ev)
	}
	return Result{Events: evs, Reply: reply}, nil
}

// schedulerNamespace reads the service's order metadata. None stored is not
// an error: found is false and there is no event.
func (h *CredentialRequests) schedulerNamespace(ctx context.Context, c Caller, serviceID string) (string, events.Outcome, bool, error) {
	p, err := secretpath.New(secretpath.ServiceOrderData, c.Tenant, serviceID)
	if err != nil {
		return "", events.Outcome{}, false, fmt.Errorf("%w: %s: %v", ErrInvalid, resolveDeploymentOp, err)
	}
	sec, err := h.store.Read(ctx, c, p, 0)
	if err != nil {
		err = nameErr(resolveDeploymentOp+": read service-order data", serviceID, err)
		if errors.Is(err, ErrNotFound) {
			return "", events.Outcome{}, false, nil
		}
		return "", events.Outcome{}, false, err
	}
	ev := events.Outcome{
		Type: events.ServiceOrderDataRead, Tenant: p.Tenant, Subject: subject(p),
		Data: map[string]any{"serviceId": serviceID, "version": sec.Version, "actor": c.Subject},
	}
	return sec.Data[schedulerNamespaceKey], ev, true, nil
}
