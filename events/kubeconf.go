package events

// Kubeconfig event types: kubeconfigs stored (Kafka ingress) and read, listed
// over REST, and the short-lived terminal tokens issued for them. None of
// their data carries a kubeconfig or a token: the data names the service id,
// the storage scope (CLUSTER, NAMESPACE_SA) and the version.
const (
	KubeconfigStored  = "io.hypo.registry.kubeconfig.stored"
	KubeconfigRead    = "io.hypo.registry.kubeconfig.read"
	KubeconfigsListed = "io.hypo.registry.kubeconfigs.listed"
	// TerminalTokenIssued: a terminal access token was signed for a stored
	// kubeconfig. Its data holds the token's jti and exp, never the token.
	TerminalTokenIssued = "io.hypo.registry.terminal.token.issued"
)
