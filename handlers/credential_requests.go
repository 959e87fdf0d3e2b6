package handlers

import "errors"

// CredentialRequests answers the Package Manager's credential requests of
// seed 000 ("Credential Request Flow": parsing, deployment, activation,
// termination) and persists Fabric credentials sent over Kafka. It composes
// the resource handlers, so each secret is read (and audited) the way its
// own commands read it.
type CredentialRequests struct {
	store     SecretStore
	kube      *Kubeconfigs
	pkg       *PackageRegistrySecrets
	imagePull *ImagePullSecrets
	fabric    *FabricSecrets
}

// NewCredentialRequests refuses any nil dependency.
func NewCredentialRequests(store SecretStore, kube *Kubeconfigs, pkg *PackageRegistrySecrets, imagePull *ImagePullSecrets, fabric *FabricSecrets) (*CredentialRequests, error) {
	if store == nil || kube == nil || pkg == nil || imagePull == nil || fabric == nil {
		return nil, errors.New("credential requests: nil secret store, kubeconfigs, package-registry, image-pull or fabric secrets")
	}
	return &CredentialRequests{store: store, kube: kube, pkg: pkg, imagePull: imagePull, fabric: fabric}, nil
}
