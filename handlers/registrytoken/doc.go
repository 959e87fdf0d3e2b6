// Package dockertoken is the registry token service of seed 001: it answers
// the Docker registry token protocol (GET /token, POST /token with an OAuth2
// grant) with short-lived JWTs whose access claim a distribution registry
// checks.
//
// The package holds the domain (scope grammar, plan catalogue, lifetime
// bounds), the commands and handlers that issue and reject tokens through the
// command bus (so every decision is an outcome event in the audit log), the
// adapters those handlers use (the JWT signer, the refresh-token store) and
// the HTTP adapter that turns a token request into a command.
//
// Refresh grants are shared by every instance: a grant is a command
// (GrantRefreshToken) whose event RefreshProjection applies on each
// instance from the event log, revocations name the grants they revoke,
// and SharedRefreshStore reads the projection (with an older version's
// per-instance file, BoltRefreshStore, as a read-only fallback).
//
// Policy, in order: the request must be well formed (400); the caller must
// authenticate with a JWT from the OIDC issuer, as HTTP Basic password or
// Bearer, or with a refresh token (401); the requested service must be
// allow-listed, the licence not revoked and the plan known (403). The token
// then carries, for each requested scope, the intersection of the requested
// actions and those the plan allows: a partial grant is not an error.
package registrytoken
