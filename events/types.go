// Package events defines the registry's outcome events, their CloudEvents
// encoding and the topic catalogue. It imports nothing of the project.
package events

// Source is the CloudEvents source of every event this service emits.
const Source = "urn:hypo:registry"

// Extension attribute names (CloudEvents extensions are lower-case a–z0–9).
const (
	ExtTenant        = "tenant"
	ExtCorrelationID = "correlationid"
	ExtCausationID   = "causationid"
)

// Event types. A type names what happened; it is part of the wire contract
// (see schemas/events/), so never rename one.
const (
	ImagePullSecretCreated = "io.hypo.registry.imagepull.secret.created"
	ImagePullSecretUpdated = "io.hypo.registry.imagepull.secret.updated"
	ImagePullSecretDeleted = "io.hypo.registry.imagepull.secret.deleted"
	ImagePullSecretRead    = "io.hypo.registry.imagepull.secret.read"
	ImagePullSecretsListed = "io.hypo.registry.imagepull.secrets.listed"

	PackageRegistrySecretCreated = "io.hypo.registry.packageregistry.secret.created"
	PackageRegistrySecretUpdated = "io.hypo.registry.packageregistry.secret.updated"
	PackageRegistrySecretDeleted = "io.hypo.registry.packageregistry.secret.deleted"
	PackageRegistrySecretRead    = "io.hypo.registry.packageregistry.secret.read"
	PackageRegistrySecretsListed = "io.hypo.registry.packageregistry.secrets.listed"

	FabricSecretCreated = "io.hypo.registry.fabric.secret.created"
	FabricSecretUpdated = "io.hypo.registry.fabric.secret.updated"
	FabricSecretDeleted = "io.hypo.registry.fabric.secret.deleted"
	FabricSecretRead    = "io.hypo.registry.fabric.secret.read"
	FabricSecretsListed = "io.hypo.registry.fabric.secrets.listed"

	// CommandRejected: a command was refused for a reason the caller can fix
	// (invalid, not found, conflict, forbidden). Nothing was changed.
	CommandRejected = "io.hypo.registry.command.rejected"
	// CommandFailed: a command could not complete because a backend failed
	// after every retry.
	CommandFailed = "io.hypo.registry.command.failed"

	// Identity: groups and ACL policies (admin), and the policy-group-flow
	// that provisions the caller's own tenant. Policy events carry the
	// rules' SHA-256 ("rulesSha256"), never the rules.
	IdentityGroupCreated  = "io.hypo.registry.identity.group.created"
	IdentityGroupUpdated  = "io.hypo.registry.identity.group.updated"
	IdentityGroupDeleted  = "io.hypo.registry.identity.group.deleted"
	IdentityGroupRead     = "io.hypo.registry.identity.group.read"
	IdentityPolicyCreated = "io.hypo.registry.identity.policy.created"
	IdentityPolicyUpdated = "io.hypo.registry.identity.policy.updated"
	IdentityPolicyDeleted = "io.hypo.registry.identity.policy.deleted"
	IdentityPolicyRead    = "io.hypo.registry.identity.policy.read"
	// IdentityTenantProvisioned: the flow made the tenant's group with its
	// policy. IdentityTenantProvisionRolledBack: the group could not be
	// made and the policy the flow had made was deleted again.
	IdentityTenantProvisioned         = "io.hypo.registry.identity.tenant.provisioned"
	IdentityTenantProvisionRolledBack = "io.hypo.registry.identity.tenant.provision.rolledback"
)

// Topics.
const (
	// TopicEvents is the event log topic (Kafka in production).
	TopicEvents = "registry.events"
	// TopicPoison receives commands that could not be processed, with the
	// reason in metadata.
	TopicPoison = "registry.poison"
)

// ClearFields are the data fields whose string values stay readable in
// events and the audit log; every other string is replaced by
// "hmac-sha256:<hex>". Each is an identifier, an enum or a reason, never a
// secret; projections.AuditClearFields documents why each is safe. Add a
// field only with a reason there.
var ClearFields = map[string]bool{
	"name": true, "names": true, "scope": true, "tenant": true,
	"version": true, "versions": true, "command": true, "reason": true,
	"code": true, "message": true, "status": true, "serviceId": true,
	"controllerId": true, "group": true, "policy": true, "fields": true,
	"count": true, "type": true, "id": true, "subject": true, "actor": true,
	"virtualHost": true, "server": true,
	"service": true, "plan": true, "grant": true, "requested": true, "access": true,
	"role": true, "refreshGrant": true, "refreshGrantIds": true,
	// The authorization policy's hashes (sha256:<hex> of its sources), the
	// request part of its input document (entry point, method, route
	// template, topic, scope, action, resource: identifiers and enums,
	// never a claim or a token) and the token scopes it removed from a
	// grant.
	"policyHash": true, "previousPolicyHash": true, "policyInput": true, "policyDenied": true,
}

// Outcome is what a handler returns: an event before the bus gives it an id,
// a time and the correlation extensions. Data values may hold secret strings
// under non-clear keys; the bus HMACs them before the event exists.
type Outcome struct {
	Type    string
	Tenant  string
	Subject string
	Data    map[string]any
}
