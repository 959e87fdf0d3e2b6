package events

// Authorization policy events (REGISTRY_AUTHZ_POLICY): the policy put in
// force, and every request it denied on REST, the Kafka southbound or the
// operator console (a denial on /token is the token event's, with the same
// policyHash). They name the policy by the SHA-256 of its sources, never
// its text, and the request by its input document without the caller's
// claims.
const (
	// AuthzPolicyLoaded: a policy was put in force, at start or on a
	// reload after its files changed. Data: policyHash, previousPolicyHash
	// (on a reload), files, reason (start or reload).
	AuthzPolicyLoaded = "io.hypo.registry.authz.policy.loaded"
	// AuthzPolicyDenied: the policy denied a request the built-in options
	// allowed. Data: actor, reason, policyHash, policyInput (entry point,
	// method, route, topic, scope, action, resource).
	AuthzPolicyDenied = "io.hypo.registry.authz.policy.denied"
)
