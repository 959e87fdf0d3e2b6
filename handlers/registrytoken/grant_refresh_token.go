package registrytoken

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// GrantRefreshToken records a refresh grant in the event log, so every
// instance accepts its token and sees its revocation. It carries the
// SHA-256 of the token, never the token: SharedRefreshStore.Issue makes
// the token and sends this command.
type GrantRefreshToken struct {
	handlers.Auth
	Grant GrantRecord `json:"grant"`
}

// GrantRecord is a refresh grant as its event carries it and the
// projection keeps it (under events.RegistryRefreshClearFields): times are
// Unix seconds, so the bus's HMAC of strings leaves them readable.
type GrantRecord struct {
	ID        string   `json:"id"`
	Tenant    string   `json:"tenant"`
	Subject   string   `json:"subject"`
	Roles     []string `json:"roles,omitempty"`
	Plan      string   `json:"plan,omitempty"`
	Service   string   `json:"service"`
	IssuedAt  int64    `json:"issuedAt"`
	ExpiresAt int64    `json:"expiresAt"`
	// TokenSHA256 is the lookup key, lowercase hex: the same on every
	// instance, unlike an HMAC under an instance's audit key.
	TokenSHA256 string `json:"tokenSha256"`
	// Sealed holds the licence and client id, readable with the token only
	// (sealGrant).
	Sealed string `json:"sealed,omitempty"`
	// RevokedAt is set by the projection from the revocation event's time;
	// never in a granted event.
	RevokedAt int64 `json:"revokedAt,omitempty"`
}

// maxGrantIDBytes bounds a grant id (rand.Text makes 26 characters).
const maxGrantIDBytes = 64

// check refuses a record no handler of ours would make.
func (r GrantRecord) check() error {
	var errs []error
	if r.ID == "" || len(r.ID) > maxGrantIDBytes {
		errs = append(errs, fmt.Errorf("id: want 1 to %d characters", maxGrantIDBytes))
	}
	if r.Subject == "" {
		errs = append(errs, errors.New("no subject"))
	}
	if err := ValidService(r.Service); err != nil {
		errs = append(errs, err)
	}
	if r.ExpiresAt <= r.IssuedAt {
		errs = append(errs, errors.New("expiry not after issue"))
	}
	if h, err := hex.DecodeString(r.TokenSHA256); err != nil || len(h) != 32 || hex.EncodeToString(h) != r.TokenSHA256 {
		errs = append(errs, errors.New("tokenSha256: want 64 lowercase hex digits"))
	}
	if r.RevokedAt != 0 {
		errs = append(errs, errors.New("a new grant is not revoked"))
	}
	return errors.Join(errs...)
}

// GrantRefresh handles GrantRefreshToken: the caller is the grant's
// subject in its tenant; its event is what every instance applies.
func (t *Tokens) GrantRefresh(_ context.Context, cmd GrantRefreshToken) (handlers.Result, error) {
	const op = "grant registry refresh token"
	g, c := cmd.Grant, cmd.Caller
	switch {
	case t.refresh == nil:
		return handlers.Result{}, fmt.Errorf("%s: %w: refresh tokens are disabled", op, handlers.ErrInvalid)
	case c.Subject == "" || c.Subject != g.Subject || c.Tenant != g.Tenant:
		return handlers.Result{}, fmt.Errorf("%s: %w: a grant is for its caller only", op, handlers.ErrForbidden)
	}
	if err := g.check(); err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w: %v", op, handlers.ErrInvalid, err)
	}
	return handlers.Result{
		Events: []events.Outcome{{Type: events.RegistryRefreshGranted, Tenant: g.Tenant, Subject: subjectOf(g.Tenant, g.Service),
			Data: map[string]any{"actor": g.Subject, "refreshGrant": g}}},
	}, nil
}

// CheckClearFields reports the keys of events.RegistryRefreshClearFields
// missing from clear (events.ClearFields): without them the bus would
// replace a grant's token hash by an HMAC under the issuing instance's
// key, and no other instance could find the grant. registryd refuses to
// start on it.
func CheckClearFields(clear map[string]bool) error {
	var missing []string
	for _, k := range slices.Sorted(maps.Keys(events.RegistryRefreshClearFields)) {
		if !clear[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("registry token: events.ClearFields lacks %q: refresh grants could not be shared", missing)
	}
	return nil
}
