// Package policy runs the operator's authorization policy, written in Rego
// and evaluated in process with Open Policy Agent's Go packages, after the
// built-in authorization options (authz) have allowed a request. It can
// only deny further: every entry point (REST, the Kafka southbound, the
// registry token service) asks it once the built-in rules said yes.
//
// The policy is one Rego file or a directory of them (REGISTRY_AUTHZ_POLICY;
// files ending in _test.rego are tests, not policy). It is compiled once at
// start, and again when its files change (Engine.Run): a policy that does
// not compile stops the service at start with the file and line, and a
// reload that fails keeps the last good policy. The query
// (REGISTRY_AUTHZ_POLICY_QUERY, default data.registry.authz.allow) is
// prepared once per compile; a request costs one evaluation of it over a
// small input document built directly as an OPA value (Input).
//
// Fail closed: an evaluation error, an undefined decision or a decision of
// any other shape than a boolean or {"allow": bool, "reason": string} is a
// deny.
package policy
