package events

// Registry token service event types (seed 001): every GET/POST /token is
// one of these, issued or rejected; refresh grants and their revocations
// are events every instance applies. Their data names the subject, the
// service, the plan and the access asked for and granted; never a token, a
// refresh token, a password or a licence in clear (jti and licences are
// HMACs; a refresh grant names its id and its token's SHA-256 and seals
// its licence, see RegistryRefreshClearFields).
const (
	// RegistryTokenIssued: a registry token was signed. Data: the access
	// requested and the access granted (a partial grant is an issue, not a
	// rejection), plan, service, jti, iat, exp, and whether a refresh
	// token was issued with it.
	RegistryTokenIssued = "io.hypo.registry.registrytoken.issued"
	// RegistryTokenRejected: a token request was refused, with a reason
	// code (invalid_request, invalid_scope, unsupported_grant_type,
	// unauthenticated, invalid_refresh_token, invalid_claims,
	// service_not_allowed, license_revoked, unknown_plan, missing_scope,
	// plan_denied, policy_denied, unavailable); policy_denied and a token the
	// authorization policy narrowed carry its policyHash and policyDenied.
	RegistryTokenRejected = "io.hypo.registry.registrytoken.rejected"
	// RegistryRefreshTokensRevoked: refresh tokens were revoked, one by id
	// or every one of a subject; refreshGrantIds names the grants.
	RegistryRefreshTokensRevoked = "io.hypo.registry.registrytoken.refresh.revoked"
	// RegistryRefreshGranted: a refresh token was issued. Data: actor, id
	// and refreshGrant, the grant every instance keeps (see
	// RegistryRefreshClearFields); never the token.
	RegistryRefreshGranted = "io.hypo.registry.registrytoken.refresh.granted"
)

// RegistryRefreshClearFields are the data keys of the refresh-token events
// whose subtrees must stay readable for every instance to apply them:
//
//   - refreshGrant: a grant's id, tenant, subject, roles, plan, service and
//     times, the SHA-256 of its token (256 random bits: no preimage can be
//     searched for, and every instance must compute the same lookup key),
//     and the licence and client id sealed under a key derived from the
//     token, which no event holds.
//   - refreshGrantIds: the ids of the grants a revocation revoked.
//
// ClearFields must contain them (registrytoken.CheckClearFields refuses to
// start otherwise).
var RegistryRefreshClearFields = map[string]bool{"refreshGrant": true, "refreshGrantIds": true}
