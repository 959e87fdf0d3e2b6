package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
)

// AuditRecords returns every record of the registry's audit log (command
// events and queries' records), read from its directory as registryctl
// does, once every command event committed so far is in it.
func (r *Registry) AuditRecords(t testing.TB) []auditlog.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.WaitAudit(ctx); err != nil {
		t.Fatalf("the audit log did not catch up: %v", err)
	}
	var recs []auditlog.Record
	if err := auditlog.Scan(r.AuditDir(), 1, func(rec auditlog.Record) error {
		recs = append(recs, rec)
		return nil
	}); err != nil {
		t.Fatalf("scan the audit log: %v", err)
	}
	return recs
}
