package handlers

import "time"

// TerminalClaims are what a terminal access token asserts: who may open a
// terminal on which stored kubeconfig, and which version of it. The signer
// adds the issuer, audience and times (iss, aud, iat, nbf, exp).
type TerminalClaims struct {
	// Subject is the caller's subject (sub).
	Subject string
	// Tenant owns the kubeconfig (tenant).
	Tenant string
	// ServiceID names the kubeconfig (serviceId).
	ServiceID string
	// ID is the target the token was asked for, as given in the request
	// (id): opaque to the registry.
	ID string
	// Scope is the kubeconfig's scope, CLUSTER or NAMESPACE_SA (scope).
	Scope string
	// KubeconfigVersion is the version of the kubeconfig the token is bound
	// to (kcv): a gateway can refuse a token once the kubeconfig changed.
	KubeconfigVersion int
	// JTI is the token's unique id (jti), chosen by the handler so its
	// event can name the token without holding it.
	JTI string
}

// TerminalTokenSigner signs terminal access tokens. Sign returns the token
// and when it expires; the token is a credential and never enters an event.
type TerminalTokenSigner interface {
	Sign(claims TerminalClaims) (token string, expires time.Time, err error)
}
