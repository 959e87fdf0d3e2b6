package registrytoken

import (
	"context"
	"fmt"
	"slices"

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
	// The event names every grant revoked, so each instance's projection
	// applies exactly this revocation whatever it holds by then.
	now := t.now()
	data := map[string]any{"actor": c.Subject}
	var ids []string
	if cmd.ID != "" {
		if _, err := t.refresh.Grant(ctx, c.Tenant, cmd.ID); err != nil {
			return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
		}
		ids = []string{cmd.ID}
		data["refreshId"] = cmd.ID
	} else {
		var err error
		if ids, err = t.refresh.LiveGrants(ctx, c.Tenant, cmd.Subject, now); err != nil {
			return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
		}
		data["subject"] = cmd.Subject
	}
	if ids == nil {
		ids = []string{}
	}
	slices.Sort(ids)
	data["refreshGrantIds"], data["count"] = ids, len(ids)
	return handlers.Result{
		Events: []events.Outcome{{Type: events.RegistryRefreshTokensRevoked, Tenant: c.Tenant, Subject: subjectOf(c.Tenant, ""), Data: data}},
		Reply:  RevokeReply{Revoked: len(ids)},
	}, nil
}
