package registrytoken

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// RevokeRegistryRefreshTokens revokes refresh tokens of the caller's
// tenant: one grant by id (an admin), or every grant of a subject (an
// admin, or the subject itself). Exactly one of ID and Subject is set.
type RevokeRegistryRefreshTokens struct {
	handlers.Auth
	ID      string `json:"id,omitempty"`
	Subject string `json:"subject,omitempty"`
}

// RevokeReply says how many grants were revoked.
type RevokeReply struct {
	Revoked int `json:"revoked"`
}

// Revoke handles RevokeRegistryRefreshTokens.
func (t *Tokens) Revoke(ctx context.Context, cmd RevokeRegistryRefreshTokens) (handlers.Result, error) {
	const op = "revoke registry refresh tokens"
	c := cmd.Caller
	admin := c.HasRole(t.adminRole)
	switch {
	case t.refresh == nil:
		return handlers.Result{}, fmt.Errorf("%s: %w: refresh tokens are disabled", op, handlers.ErrInvalid)
	case (cmd.ID == "") == (cmd.Subject == ""):
		return handlers.Result{}, fmt.Errorf("%s: %w: name a grant id or a subject, not both", op, handlers.ErrInvalid)
	case c.Subject == "":
		return handlers.Result{}, fmt.Errorf("%s: %w", op, handlers.ErrUnauthenticated)
	case !admin && (cmd.ID != "" || cmd.Subject != c.Subject):
		return handlers.Result{}, fmt.Errorf("%s: %w: only %s may revoke another subject's tokens or a grant by id", op, handlers.ErrForbidden, t.adminRole)
	}
	now := t.now()
	data := map[string]any{"actor": c.Subject}
	n := 1
	if cmd.ID != "" {
		if err := t.refresh.Revoke(ctx, c.Tenant, cmd.ID, now); err != nil {
			return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
		}
		data["refreshId"] = cmd.ID
	} else {
		var err error
		if n, err = t.refresh.RevokeSubject(ctx, c.Tenant, cmd.Subject, now); err != nil {
			return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
		}
		data["subject"] = cmd.Subject
	}
	data["count"] = n
	return handlers.Result{
		Events: []events.Outcome{{Type: events.RegistryRefreshTokensRevoked, Tenant: c.Tenant, Subject: subjectOf(c.Tenant, ""), Data: data}},
		Reply:  RevokeReply{Revoked: n},
	}, nil
}
