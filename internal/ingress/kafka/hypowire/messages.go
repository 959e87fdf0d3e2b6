package hypowire

// Kubeconfig storage scopes (seed 000, "Kubeconfig Store Flow").
const (
	ScopeCluster     = "CLUSTER"
	ScopeNamespaceSA = "NAMESPACE_SA"
)

// CloudEvent types of the kubeconfig store flow. The seed names the topics,
// not the event types; these are defined here.
const (
	EventKubeconfigStore       = "io.hypo.registry.kubeconfig.store"
	EventKubeconfigStoreResult = "io.hypo.registry.kubeconfig.store.result"
)

// VaultSecretResponseMessage is the record value of registry-response-
// kubernetes-config-outgoing-channel: the answer to a serviceId on
// registry-retrieve-kubernetes-config. KubeConfigAsBase64 and Scope are set
// on SUCCESS only.
type VaultSecretResponseMessage struct {
	ServiceID          string `json:"serviceId"`
	Status             string `json:"status"`
	Message            string `json:"message"`
	KubeConfigAsBase64 string `json:"kubeConfigAsBase64,omitempty"`
	Scope              string `json:"scope,omitempty"`
}

// String keeps the kubeconfig out of logs and %v.
func (m VaultSecretResponseMessage) String() string {
	return "{serviceId:" + m.ServiceID + " status:" + m.Status + " message:" + m.Message + " scope:" + m.Scope + "}"
}

// GroupPolicyMessage is the record value of create-group-policy-incoming-
// channel. As in the REST policy-group-flow, the group is the caller's
// tenant from the Authorization header's JWT; GroupName, when set, must name
// that same group (a guard against a misaddressed message), never another.
type GroupPolicyMessage struct {
	GroupName string `json:"groupName,omitempty"`
}

// FabricAuthCreds is the record value of fabric-ziti-creds-persist- and
// fabric-ziti-creds-delete-incoming-channel. The secret is keyed by
// ControllerID (hypo/fabric-secret/{group}/{controllerId}) and holds
// username and password, as the REST body {username, password}. A delete
// needs only ControllerID.
type FabricAuthCreds struct {
	ControllerID string `json:"controllerId"`
	Username     string `json:"username,omitempty"`
	Password     string `json:"password,omitempty"`
}

// String keeps the password out of logs and %v.
func (c FabricAuthCreds) String() string {
	return "{controllerId:" + c.ControllerID + " username:" + c.Username + " password:REDACTED}"
}

// KubeconfigStoreData is the data of the CloudEvent on
// registry-store-kubernetes-config. KubeConfig is the kubeconfig YAML text;
// Scope is empty for CLUSTER (the default).
type KubeconfigStoreData struct {
	ServiceID  string `json:"serviceId"`
	KubeConfig string `json:"kubeConfig"`
	Scope      string `json:"scope,omitempty"`
}

// String keeps the kubeconfig out of logs and %v.
func (d KubeconfigStoreData) String() string {
	return "{serviceId:" + d.ServiceID + " kubeConfig:REDACTED scope:" + d.EffectiveScope() + "}"
}

// EffectiveScope is Scope, or CLUSTER when it is unset.
func (d KubeconfigStoreData) EffectiveScope() string {
	if d.Scope == "" {
		return ScopeCluster
	}
	return d.Scope
}

// KubeconfigStoreResult is the data of the CloudEvent on
// registry-store-kubernetes-config-result. Reason is empty on SUCCESS and
// never carries the kubeconfig. Scope is empty only on an ERROR whose
// request named no valid scope.
type KubeconfigStoreResult struct {
	ServiceID string `json:"serviceId"`
	Scope     string `json:"scope,omitempty"`
	Status    string `json:"status"`
	Reason    string `json:"reason"`
}
