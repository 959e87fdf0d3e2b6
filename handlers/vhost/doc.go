// Package vhost is the virtual-host service-discovery registry of seed 004:
// virtual hosts with owners, servers that heartbeat into them, and the
// SelfSignedSSL plugin whose keystore only owners and admins may read.
//
// Where state lives:
//
//   - A host's public record (scheme, port, timeout, owners, public
//     certificate) and its servers are a bbolt projection (Projection), fed
//     only from the outcome events, so it can be rebuilt by replaying the
//     log. View reads it; Queries adds liveness on an injectable clock.
//   - A secure host's private material (the PKCS#12 keystore, its password
//     and alias) is in the secret store (handlers.SecretStore) at
//     secretpath.VirtualHost/{tenant}/{name}, sealed at rest by the store,
//     never in an event, a log line or an error. {tenant} is the creator's
//     tenant: the store confines every caller to its own tenant, so only
//     owners and admins of that tenant can be shown the private view.
//
// Owners (seed 004: "optionally prefixed with a type") are stored exactly as
// given: "user:NAME" or a bare "NAME" matches a caller whose JWT subject is
// NAME; "group:NAME" matches a caller with NAME in the groups claim
// (Keycloak's "/NAME" form included). Any other type (seed 004's
// "yca:some-role") matches a caller of the host's tenant whose verified
// token holds NAME in the claim Config.OwnerTypes maps the type to; an
// unmapped type matches nobody, so only a platform admin may change such a
// host.
//
// Authorization follows seed 002's order: admin override, then role (a
// caller whose only role is read-only may not write), then owner check on
// writes to secure hosts. Reads of public data need no ownership.
//
// Heartbeats are commands with an outcome event like every other change.
// Their cost is amortised by group commit at both ends: the event log writes
// every queued commit in one transaction, and the projection runner applies
// up to 256 events per bbolt transaction after gathering them for a few
// milliseconds; repeated heartbeats of one server in a batch are overwrites
// of one key in that transaction. The audit log need not hold every
// heartbeat: SampleHeartbeats wraps the audit projection so it records a
// server's heartbeat when it is the first, when host or port changed, or
// when the last one recorded is older than AuditConfig.Interval, with the
// number of heartbeats left out since (suppressedHeartbeats).
package vhost
