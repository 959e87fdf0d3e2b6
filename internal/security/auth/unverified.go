package auth

import (
	"github.com/golang-jwt/jwt/v5"
)

// DecodeUnverified reads the principal from raw WITHOUT checking its
// signature, issuer, audience or lifetime: seed 000's behaviour on its
// Kafka listeners, where Vault alone validates the JWT when it is exchanged
// for a Vault token. Use it only in front of a store that validates the
// token itself (the Vault adapter); the service refuses the setting
// otherwise. The token is not cached: every use is decoded again.
func (v *Verifier) DecodeUnverified(raw string) (Principal, error) {
	const op = "decode token"
	if raw == "" || len(raw) > maxTokenBytes {
		return Principal{}, refuse(op, ErrMalformed)
	}
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(raw, claims)
	if err != nil {
		return Principal{}, refuse(op, ErrMalformed)
	}
	// Refused here too, as Verify does: an extension this service does not
	// understand may change what the token means (RFC 7515 §4.1.11).
	if _, ok := tok.Header["crit"]; ok {
		return Principal{}, refuse(op, ErrCritical)
	}
	p, err := principalFrom(claims, v.cfg)
	if err != nil {
		return Principal{}, refuse(op, err)
	}
	p.Token = raw
	return p, nil
}
