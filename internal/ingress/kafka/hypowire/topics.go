package hypowire

import (
	"errors"
	"fmt"
)

// Default topic names, exactly as in seed 000, Tables 2 and 3.
const (
	// Incoming.
	TopicCredentialRequest  = "get-package-registry-incoming-channel"
	TopicKubeconfigStore    = "registry-store-kubernetes-config"
	TopicKubeconfigRetrieve = "registry-retrieve-kubernetes-config"
	TopicGroupPolicyCreate  = "create-group-policy-incoming-channel"
	TopicFabricCredsPersist = "fabric-ziti-creds-persist-incoming-channel"
	TopicFabricCredsDelete  = "fabric-ziti-creds-delete-incoming-channel"
	// Outgoing.
	TopicCredentialResponse    = "response-package-registry-outgoing-channel"
	TopicKubeconfigResponse    = "registry-response-kubernetes-config-outgoing-channel"
	TopicKubeconfigStoreResult = "registry-store-kubernetes-config-result"
)

// HeaderAuthorization is the record header carrying the caller's Keycloak
// JWT ("Bearer <jwt>" or the bare token) on every incoming topic.
const HeaderAuthorization = "Authorization"

// Topics names the nine topics of the southbound. The zero value is not
// usable: start from DefaultTopics and override what a deployment renames.
type Topics struct {
	// CredentialRequest carries KafkaRequestPayload from the Package Manager.
	CredentialRequest string
	// KubeconfigStore carries the kubeconfig store CloudEvent from SONATA.
	KubeconfigStore string
	// KubeconfigRetrieve carries a serviceId whose kubeconfig is wanted.
	KubeconfigRetrieve string
	// GroupPolicyCreate carries GroupPolicyMessage.
	GroupPolicyCreate string
	// FabricCredsPersist carries FabricAuthCreds to store.
	FabricCredsPersist string
	// FabricCredsDelete carries FabricAuthCreds whose secret is deleted.
	FabricCredsDelete string
	// CredentialResponse carries KafkaResponsePayload to the Package Manager.
	CredentialResponse string
	// KubeconfigResponse carries VaultSecretResponseMessage.
	KubeconfigResponse string
	// KubeconfigStoreResult carries the kubeconfig store result CloudEvent.
	KubeconfigStoreResult string
}

// DefaultTopics returns the seed's topic names.
func DefaultTopics() Topics {
	return Topics{
		CredentialRequest:     TopicCredentialRequest,
		KubeconfigStore:       TopicKubeconfigStore,
		KubeconfigRetrieve:    TopicKubeconfigRetrieve,
		GroupPolicyCreate:     TopicGroupPolicyCreate,
		FabricCredsPersist:    TopicFabricCredsPersist,
		FabricCredsDelete:     TopicFabricCredsDelete,
		CredentialResponse:    TopicCredentialResponse,
		KubeconfigResponse:    TopicKubeconfigResponse,
		KubeconfigStoreResult: TopicKubeconfigStoreResult,
	}
}

// named lists the topics with their field names.
func (t Topics) named() []struct{ field, topic string } {
	return []struct{ field, topic string }{
		{"CredentialRequest", t.CredentialRequest},
		{"KubeconfigStore", t.KubeconfigStore},
		{"KubeconfigRetrieve", t.KubeconfigRetrieve},
		{"GroupPolicyCreate", t.GroupPolicyCreate},
		{"FabricCredsPersist", t.FabricCredsPersist},
		{"FabricCredsDelete", t.FabricCredsDelete},
		{"CredentialResponse", t.CredentialResponse},
		{"KubeconfigResponse", t.KubeconfigResponse},
		{"KubeconfigStoreResult", t.KubeconfigStoreResult},
	}
}

// All lists the nine topic names.
func (t Topics) All() []string {
	var out []string
	for _, n := range t.named() {
		out = append(out, n.topic)
	}
	return out
}

// Validate reports empty and duplicate topic names: a topic used for two
// purposes would feed one consumer another's payloads.
func (t Topics) Validate() error {
	named := t.named()
	var errs []error
	seen := map[string]string{}
	for _, n := range named {
		if n.topic == "" {
			errs = append(errs, fmt.Errorf("topics: %s is empty", n.field))
			continue
		}
		if prev, ok := seen[n.topic]; ok {
			errs = append(errs, fmt.Errorf("topics: %s and %s share topic %q", prev, n.field, n.topic))
		}
		seen[n.topic] = n.field
	}
	return errors.Join(errs...)
}
