package app

import (
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/query"
)

// registerKubeconfHandlers binds the kubeconfig commands to their handlers:
// store and get (for the Kafka translators), list and the terminal token
// (REST), and the Package Manager's credential requests (Kafka), which
// read kubeconfigs among other secrets. Handler names are consumer
// identities: never rename one casually.
func registerKubeconfHandlers(b *bus.Bus, q *query.Dispatcher, store handlers.SecretStore, signer handlers.TerminalTokenSigner, opts []handlers.CredentialOption) error {
	kc, err := handlers.NewKubeconfigs(store, signer)
	if err != nil {
		return err
	}
	pkg, err := handlers.NewPackageRegistrySecrets(store, opts...)
	if err != nil {
		return err
	}
	pull, err := handlers.NewImagePullSecrets(store, opts...)
	if err != nil {
		return err
	}
	fabric, err := handlers.NewFabricSecrets(store, opts...)
	if err != nil {
		return err
	}
	cr, err := handlers.NewCredentialRequests(store, kc, pkg, pull, fabric)
	if err != nil {
		return err
	}
	for _, err := range []error{
		bus.Handle(b, "kubeconfig.store", kc.Store),
		read(q, "kubeconfig.get", kc.Get),
		read(q, "kubeconfig.list", kc.List),
		read(q, "kubeconfig.terminaltoken.issue", kc.IssueTerminalToken),
		// A repo credential request that stores a scheduler namespace is a
		// command; without one it is a read (edgeSender decides).
		bus.Handle(b, "credentials.resolve.repo", cr.ResolveRepo),
		query.Handle(q, "credentials.resolve.repo", cr.ResolveRepo),
		read(q, "credentials.resolve.deployment", cr.ResolveDeployment),
		bus.Handle(b, "fabric.put", cr.PutFabric),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
