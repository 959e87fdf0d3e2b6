package handlers

import (
	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// FabricSecrets handles the Fabric Ziti credential commands of seed 000:
// a Fabric network controller's credentials stored at
// fabric-secret/{tenant}/{controllerId} with the keys username and password.
type FabricSecrets struct {
	secrets credentialSecrets
}

var fabricKind = credentialKind{
	noun:    "fabric secret",
	created: events.FabricSecretCreated, updated: events.FabricSecretUpdated,
	deleted: events.FabricSecretDeleted, read: events.FabricSecretRead,
	listed: events.FabricSecretsListed,
}

// NewFabricSecrets refuses a nil store; opts (OwnerOnly) configure it.
func NewFabricSecrets(store SecretStore, opts ...CredentialOption) (*FabricSecrets, error) {
	s, err := newCredentialSecrets(store, secretpath.FabricSecret, fabricKind, opts)
	if err != nil {
		return nil, err
	}
	return &FabricSecrets{secrets: s}, nil
}
