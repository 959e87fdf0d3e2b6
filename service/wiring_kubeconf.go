package service

import (
	"github.com/hypo-registry/registry/bus"
	"github.com/hypo-registry/registry/handlers"
)

// registerKubeconfHandlers binds the kubeconfig commands to their handlers:
// store and get (for the Kafka translators), list and the terminal token
// (REST). Handler names are consumer identities: never rename one casually.
func registerKubeconfHandlers(b *bus.Bus, store handlers.SecretStore, signer handlers.TerminalTokenSigner) error {
	kc, err := handlers.NewKubeconfigs(store, signer)
	if err != nil {
		return err
	}
	for _, err := range []error{
		bus.Handle(b, "kubeconfig.store", kc.Store),
		bus.Handle(b, "kubeconfig.get", kc.Get),
		bus.Handle(b, "kubeconfig.list", kc.List),
		bus.Handle(b, "kubeconfig.terminaltoken.issue", kc.IssueTerminalToken),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
