package app

import (
	"encoding/hex"
	"errors"

	"github.com/hypo-registry/registry/handlers/auditread"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/query"
)

// auditReader is the live audit log as /registry-api/admin/audit reads
// it: from its directory, without the writer's lock, as registryctl does.
type auditReader struct{ dir string }

var _ auditread.Log = auditReader{}

func (a auditReader) Scan(from uint64, fn func(auditread.Record) error) error {
	return auditlog.Scan(a.dir, from, func(r auditlog.Record) error {
		return fn(auditread.Record{
			Index: r.Index, Time: r.Time.UTC(), Type: r.Type, ID: r.ID, Tenant: r.Tenant, Subject: r.Subject,
			CorrelationID: r.CorrelationID, CausationID: r.CausationID, EventSeq: r.EventSeq, Data: r.Data,
			Prev: hex.EncodeToString(r.Prev[:]), Hash: hex.EncodeToString(r.Hash[:]),
		})
	})
}

func (a auditReader) Verify() (auditread.Chain, error) {
	sum, err := auditlog.Verify(a.dir, nil)
	c := auditread.Chain{
		OK: err == nil, Records: sum.Records, First: sum.First, Last: sum.Last,
		Segments: sum.Segments, TornBytes: sum.TornBytes,
	}
	if sum.Last > 0 {
		c.Head = hex.EncodeToString(sum.Head[:])
	}
	switch {
	case errors.Is(err, auditlog.ErrCorrupt):
		c.Problem = err.Error()
	case err != nil:
		return auditread.Chain{}, err
	}
	return c, nil
}

// registerAuditReads binds the audit log's own reads (REST
// /registry-api/admin/audit) to the query path, where they are audited.
func registerAuditReads(q *query.Dispatcher, dir, instance string, cfg Config) error {
	az := cfg.authzConfig()
	h, err := auditread.NewHandlers(auditReader{dir: dir}, auditread.Roles{Admin: az.AdminRole, Platform: az.PlatformAdminRole}, instance)
	if err != nil {
		return err
	}
	return errors.Join(
		read(q, "audit.read", h.Read),
		read(q, "audit.verify", h.Verify),
	)
}
