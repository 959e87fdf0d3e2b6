package registrytoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// RefreshGrant is what a refresh token stands for: the caller and the
// claims the policy needs, as they were when the token was issued, so a
// refresh needs no OIDC token. The token itself is never stored, only its
// SHA-256.
type RefreshGrant struct {
	// ID names the grant in events and for revocation; it is not the token.
	ID      string   `json:"id"`
	Subject string   `json:"subject"`
	Tenant  string   `json:"tenant"`
	Roles   []string `json:"roles,omitempty"`
	Plan    string   `json:"plan,omitempty"`
	License string   `json:"license,omitempty"`
	// Service is the only service the grant is good for.
	Service   string    `json:"service"`
	ClientID  string    `json:"clientId,omitempty"`
	IssuedAt  time.Time `json:"issuedAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
}

// RefreshStore keeps refresh grants. Errors wrap handlers.ErrUnauthenticated
// (unknown, expired or revoked token), handlers.ErrNotFound (unknown id) or
// handlers.ErrUnavailable. Revocation is not a method: the revoke command's
// event names the grants, and whatever feeds the store applies it.
type RefreshStore interface {
	// Issue stores g under a new token and returns the token once Lookup
	// finds it.
	Issue(ctx context.Context, g RefreshGrant) (token string, err error)
	// Lookup returns the grant of token if it is known, unexpired at now
	// and not revoked.
	Lookup(ctx context.Context, token string, now time.Time) (RefreshGrant, error)
	// Grant returns grant id of tenant, revoked or not; an unknown id or
	// another tenant's is ErrNotFound.
	Grant(ctx context.Context, tenant, id string) (RefreshGrant, error)
	// LiveGrants returns the ids of subject's grants in tenant that are
	// neither revoked nor expired at now.
	LiveGrants(ctx context.Context, tenant, subject string, now time.Time) ([]string, error)
}

// newRefreshToken returns 256 random bits, base64url, and the SHA-256 the
// store keys it by. With that much entropy a plain hash suffices: nobody
// can search the space for a preimage.
func newRefreshToken() (token string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails (Go ≥ 1.24)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
