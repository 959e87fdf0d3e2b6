package rest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/testkit"
)

// assertAudited checks, on any backend, that tenant's records in the audit
// log (command events and queries' records) include one of each wanted type
// and none of the secret values in clear.
func assertAudited(t *testing.T, reg *testkit.Registry, tenant string, wantTypes []string, secrets ...string) {
	t.Helper()
	seen := map[string]bool{}
	var records []auditlog.Record
	for _, r := range reg.AuditRecords(t) {
		if r.Tenant == tenant {
			seen[r.Type] = true
			records = append(records, r)
		}
	}
	for _, typ := range wantTypes {
		if !seen[typ] {
			t.Errorf("no %s record in the audit log (have %v)", typ, seen)
		}
	}
	raw, _ := json.Marshal(records)
	for _, s := range secrets {
		if strings.Contains(string(raw), s) {
			t.Errorf("the audit log holds the secret value %q in clear", s)
		}
	}
	if !strings.Contains(string(raw), "hmac-sha256:") {
		t.Errorf("no HMAC'd secret field in the audit log")
	}
}
