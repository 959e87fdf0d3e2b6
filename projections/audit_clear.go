package projections

import "github.com/hypo-registry/registry/events"

// AuditClearFields names the event data fields whose values stay readable in
// the audit log; every other string is replaced by its HMAC. A clear field
// keeps its whole subtree, so each entry must hold identifiers, enums,
// counters or messages, never credentials. Events already carry HMACs for
// secret fields; this list is the second line of defence, so it errs on the
// side of hashing: add a field only with a reason below.
//
//   - name, names: resource names (secret, kubeconfig, virtual host). They are
//     path segments, listed to any tenant member, and what an auditor searches.
//   - scope: the storage scope (imagepull, kubeconfig, ziti, ...), a fixed enum.
//   - tenant: the tenant id, already in the event's tenant extension.
//   - version, versions: KV v2 version numbers and their metadata (times,
//     deletion flags), which say when a value changed, not what it is.
//   - command: the command type that produced the event, a constant.
//   - reason, code: failure reason codes, constants from the handlers.
//   - message: error messages, which by rule (handlers/errors.go) name
//     resources and never secret values.
//   - status: the outcome status enum (OK, ERROR, ...).
//   - serviceId, controllerId: service-discovery ids, public routing data.
//   - group, policy: identity group and ACL policy names, derived from the
//     tenant name.
//   - fields: the names of the fields a command changed, not their values.
//   - count: a number; listed so a count sent as a string stays readable.
//   - type, id: discriminators and resource ids, never credentials.
//   - actor, subject: the caller's subject, who did it: what an audit is for.
//   - virtualHost, server: a virtual host's public record (scheme, port,
//     timeout, owners, public certificate) and a server's registration (host,
//     port, heartbeat): public discovery data (events.VirtualHostClearFields).
//   - service: the Docker registry service a token is for, a configured name.
//   - plan: a plan name of the registry token configuration.
//   - grant: how a token caller authenticated (basic, bearer, refresh, …),
//     an enum.
//   - refreshGrant, refreshGrantIds: a registry refresh grant (ids,
//     subject, roles, plan, service, times, the SHA-256 of a 256-bit random
//     token, the licence sealed under a key derived from the token) and the
//     ids a revocation revoked (events.RegistryRefreshClearFields); never a
//     token.
//   - role: a role mapping's role, an enum (ADMIN, DEVELOPER, READ_ONLY).
//   - requested, access: the scopes asked for and the access granted:
//     repository names and action enums, never a credential.
//
// The list is events.ClearFields: the bus applies the same list when it
// builds events, so an event and its audit record agree.
var AuditClearFields = events.ClearFields
