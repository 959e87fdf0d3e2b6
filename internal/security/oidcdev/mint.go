package oidcdev

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims describe a token to mint. Zero fields take the issuer's defaults.
type Claims struct {
	Subject  string
	Groups   []string // omitted when empty
	Roles    []string // omitted when empty
	Audience []string // default: Options.Audience
	TTL      time.Duration
	// NotBefore and IssuedAt default to now; exp is IssuedAt + TTL.
	NotBefore, IssuedAt time.Time
	// Extra claims are set last and may override any claim, so tests can
	// build bad tokens; a nil value removes the claim (e.g. "exp").
	Extra map[string]any
	// Header parameters are set after alg and kid and may override them, so
	// tests can build tokens with headers no verifier should accept (e.g.
	// "crit") yet a valid signature.
	Header map[string]any
}

// Mint signs c with the current signing key, RS256, kid in the header.
func (i *Issuer) Mint(c Claims) (string, error) {
	key, kid := i.SigningKey()
	now := time.Now()
	if i.opts.Now != nil {
		now = i.opts.Now()
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = now
	}
	if c.NotBefore.IsZero() {
		c.NotBefore = now
	}
	if c.TTL == 0 {
		c.TTL = i.opts.TTL
	}
	if len(c.Audience) == 0 {
		c.Audience = []string{i.opts.Audience}
	}
	m := jwt.MapClaims{
		"iss": i.opts.Issuer,
		"sub": c.Subject,
		"aud": audience(c.Audience),
		"iat": c.IssuedAt.Unix(),
		"nbf": c.NotBefore.Unix(),
		"exp": c.IssuedAt.Add(c.TTL).Unix(),
		"jti": rand.Text(),
		// What the platform's authority grants a caller of the registry
		// token service (registrytoken.DefaultRequiredScope, seed 001).
		"scope": "registry.token.issue",
	}
	if len(c.Groups) > 0 {
		m["groups"] = c.Groups
	}
	if len(c.Roles) > 0 {
		m["roles"] = c.Roles
	}
	for k, v := range c.Extra {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, m)
	tok.Header["kid"] = kid
	for k, v := range c.Header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("mint: %w", err)
	}
	return s, nil
}

// audience is a single string when there is one, as most issuers send it.
func audience(aud []string) any {
	if len(aud) == 1 {
		return aud[0]
	}
	return aud
}
