package rest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/projections"
	"github.com/hypo-registry/registry/testkit"
)

// assertAudited checks, on any backend, that tenant's audit trail (the
// audit projection of command events, and the audit log of queries) holds
// a record of each wanted type and none of the secret values in clear.
func assertAudited(t *testing.T, reg *testkit.Registry, tenant string, wantTypes []string, secrets ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := reg.WaitProjections(ctx); err != nil {
		t.Fatalf("projections did not catch up: %v", err)
	}
	seen := map[string]bool{}
	var records []projections.Record
	if err := projections.TailAudit(reg.ProjectionsDB(), projections.AuditFilter{Tenant: tenant}, func(r projections.Record) error {
		seen[r.Type] = true
		records = append(records, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var queries []auditlog.Record
	for _, r := range reg.QueryAudit(t) {
		if r.Tenant == tenant {
			seen[r.Type] = true
			queries = append(queries, r)
		}
	}
	for _, typ := range wantTypes {
		if !seen[typ] {
			t.Errorf("no %s event in the audit log (have %v)", typ, seen)
		}
	}
	raw, _ := json.Marshal(records)
	rawQueries, _ := json.Marshal(queries)
	raw = append(raw, rawQueries...)
	for _, s := range secrets {
		if strings.Contains(string(raw), s) {
			t.Errorf("the audit log holds the secret value %q in clear", s)
		}
	}
	if !strings.Contains(string(raw), "hmac-sha256:") {
		t.Errorf("no HMAC'd secret field in the audit log")
	}
}
