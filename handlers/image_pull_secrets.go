package handlers

import (
	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// ImagePullSecrets handles the image-pull secret commands of seed 000:
// Docker registry credentials stored at image-pull/{tenant}/{name} with the
// keys username, password and url.
type ImagePullSecrets struct {
	secrets credentialSecrets
}

var imagePullKind = credentialKind{
	noun:    "image-pull secret",
	created: events.ImagePullSecretCreated, updated: events.ImagePullSecretUpdated,
	deleted: events.ImagePullSecretDeleted, read: events.ImagePullSecretRead,
	listed:  events.ImagePullSecretsListed,
	withURL: true,
}

// NewImagePullSecrets refuses a nil store; opts (OwnerOnly) configure it.
func NewImagePullSecrets(store SecretStore, opts ...CredentialOption) (*ImagePullSecrets, error) {
	s, err := newCredentialSecrets(store, secretpath.ImagePull, imagePullKind, opts)
	if err != nil {
		return nil, err
	}
	return &ImagePullSecrets{secrets: s}, nil
}
