package handlers

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// IssueTerminalToken issues a short-lived terminal access token bound to
// one of the caller's stored kubeconfigs (seed 000, GET
// /kube-conf/token/{serviceId}/{id}). The kubeconfig is looked for as
// CLUSTER, then NAMESPACE_SA; none is ErrNotFound.
type IssueTerminalToken struct {
	Auth
	ServiceID string `json:"serviceId"`
	// ID is the target the token is for, bound into it as given.
	ID string `json:"id"`
}

// TerminalToken is the reply of an issue: the token, for the caller only.
type TerminalToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	TokenType string    `json:"tokenType"`
}

// IssueTerminalToken handles IssueTerminalToken. Its event names the
// kubeconfig, the token's jti and expiry; never the token.
func (h *Kubeconfigs) IssueTerminalToken(ctx context.Context, cmd IssueTerminalToken) (Result, error) {
	c := cmd.Caller
	const op = "issue terminal token"
	if err := secretpath.CheckSegment("id", cmd.ID); err != nil {
		return Result{}, fmt.Errorf("%s: %w: %v", op, ErrInvalid, err)
	}
	sec, scope, p, err := h.findKubeconfig(ctx, c, op, cmd.ServiceID)
	if err != nil {
		return Result{}, err
	}
	claims := TerminalClaims{
		Subject: c.Subject, Tenant: p.Tenant, ServiceID: cmd.ServiceID, ID: cmd.ID,
		Scope: scope, KubeconfigVersion: sec.Version, JTI: rand.Text(),
	}
	token, expires, err := h.signer.Sign(claims)
	if err != nil {
		return Result{}, fmt.Errorf("%s for %s: %w", op, cmd.ServiceID, err)
	}
	return Result{
		Events: []events.Outcome{{
			Type: events.TerminalTokenIssued, Tenant: p.Tenant, Subject: subject(p),
			Data: map[string]any{
				"serviceId": cmd.ServiceID, "id": cmd.ID, "scope": scope, "version": sec.Version,
				"jti": claims.JTI, "exp": expires.Unix(), "actor": c.Subject,
			},
		}},
		Reply: TerminalToken{Token: token, ExpiresAt: expires.UTC(), TokenType: "Bearer"},
	}, nil
}
