package auditread

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// VerifyAudit verifies the live audit log's hash chain. Only the platform
// admin may: the chain is one for every tenant, and verifying it reads the
// whole log, every tenant's records included.
type VerifyAudit struct {
	handlers.Auth
}

// Verify handles VerifyAudit. A damaged chain is an answer (OK false, the
// first problem), not an error: the caller asked whether it is whole.
func (h *Handlers) Verify(_ context.Context, q VerifyAudit) (handlers.Result, error) {
	const op = "verify audit"
	c := q.Caller
	if !h.isPlatform(c) {
		return handlers.Result{}, fmt.Errorf("%s: %w: role %q required: the chain holds every tenant's records", op, handlers.ErrForbidden, h.roles.Platform)
	}
	chain, err := h.log.Verify()
	if err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w: audit log: %v", op, handlers.ErrUnavailable, err)
	}
	chain.Instance = h.instance
	status := "OK"
	if !chain.OK {
		status = "ERROR"
	}
	return handlers.Result{
		Events: []events.Outcome{{
			Type: events.AuditChainVerified, Tenant: c.Tenant, Subject: auditSubject(c),
			Data: map[string]any{"count": chain.Records, "status": status, "actor": c.Subject},
		}},
		Reply: chain,
	}, nil
}
