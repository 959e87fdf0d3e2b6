package testkit

import (
	"testing"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
)

// QueryAudit returns every record of the registry's audit log of queries
// (reads, lists, tokens), read from its directory as registryctl does,
// while the registry runs.
func (r *Registry) QueryAudit(t testing.TB) []auditlog.Record {
	t.Helper()
	var recs []auditlog.Record
	if err := auditlog.Scan(r.AuditDir(), 1, func(rec auditlog.Record) error {
		recs = append(recs, rec)
		return nil
	}); err != nil {
		t.Fatalf("scan the audit log: %v", err)
	}
	return recs
}
