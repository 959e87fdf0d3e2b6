package rest_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/auditread"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/testkit"
)

// auditTenant is a tenant with a secret written and read once, so the audit
// log holds a command event and a query record of it.
type auditTenant struct {
	name, dev, admin string
}

func auditTenantWith(t *testing.T, reg *testkit.Registry, password string) auditTenant {
	t.Helper()
	a := auditTenant{name: reg.Tenant(t)}
	a.dev = reg.Token(t, "dev", a.name, "developer")
	a.admin = reg.Token(t, "boss", a.name, "admin")
	u := reg.URL + "/registry-api/image-pull/secret/pull"
	if r := testkit.Do(t, http.MethodPost, u, a.dev, []byte(`{"username":"u","password":"`+password+`"}`)); r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, u, a.dev, nil); r.Status != http.StatusOK {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
	return a
}

// readAudit asks GET /admin/audit with query and wants 200.
func readAudit(t *testing.T, reg *testkit.Registry, token, query string) auditread.AuditPage {
	t.Helper()
	r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/admin/audit?"+query, token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET admin/audit?%s: %d %s", query, r.Status, r.Body)
	}
	var page auditread.AuditPage
	r.JSON(t, &page)
	return page
}

// readAllAudit pages through GET /admin/audit with query, limit records a
// page, until the end of the log.
func readAllAudit(t *testing.T, reg *testkit.Registry, token, query string, limit int) []auditread.Record {
	t.Helper()
	var all []auditread.Record
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		q := query + "&limit=" + strconv.Itoa(limit)
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		page := readAudit(t, reg, token, q)
		if len(page.Records) > limit {
			t.Fatalf("a page of %d records, limit %d", len(page.Records), limit)
		}
		all = append(all, page.Records...)
		if page.Next == "" {
			t.Fatalf("a page without next: %+v", page)
		}
		cursor = page.Next
		if !page.More {
			return all
		}
	}
}

func tenantsOf(recs []auditread.Record) map[string]int {
	m := map[string]int{}
	for _, r := range recs {
		m[r.Tenant]++
	}
	return m
}

func TestAuditAPIScopesRecordsByAdmin(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	const pwA, pwB = "audit-api-canary-a", "audit-api-canary-b"
	a, b := auditTenantWith(t, reg, pwA), auditTenantWith(t, reg, pwB)
	platform := reg.Token(t, "root", testkit.RandomTenant(t), "platform-admin")
	if err := reg.WaitAudit(t.Context()); err != nil {
		t.Fatal(err)
	}

	t.Run("the platform admin sees every tenant", func(t *testing.T) {
		r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/admin/audit?limit=1000", platform, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), pwA) || strings.Contains(string(r.Body), pwB) || !strings.Contains(string(r.Body), "hmac-sha256:") {
			t.Errorf("records hold a password in clear or no HMAC: %s", r.Body)
		}
		var page auditread.AuditPage
		r.JSON(t, &page)
		got := tenantsOf(page.Records)
		if got[a.name] < 2 || got[b.name] < 2 {
			t.Errorf("records by tenant %v, want both tenants' create and read", got)
		}
		for _, rec := range page.Records {
			if rec.Index == 0 || len(rec.Hash) != 64 || len(rec.Prev) != 64 || rec.Type == "" {
				t.Errorf("record without its chain position: %+v", rec)
			}
		}
	})

	// forge moves a cursor the registry returned to index, or to another
	// instance's log.
	first := readAudit(t, reg, a.admin, "limit=1")
	forge := func(instance, index string) string {
		raw, err := base64.RawURLEncoding.DecodeString(first.Next)
		if err != nil || !strings.HasPrefix(string(raw), "a1:"+first.Instance+":") || first.Instance == "" {
			t.Fatalf("cursor %q (%q, %v) of instance %q: not the form this test forges", first.Next, raw, err, first.Instance)
		}
		if instance == "" {
			instance = first.Instance
		}
		return base64.RawURLEncoding.EncodeToString([]byte("a1:" + instance + ":" + index))
	}

	t.Run("a tenant admin sees its tenant only, whatever the cursor", func(t *testing.T) {
		for _, q := range []string{"", "cursor=" + forge("", "0"), "cursor=" + forge("", "1")} {
			page := readAudit(t, reg, a.admin, q)
			got := tenantsOf(page.Records)
			if len(got) != 1 || got[a.name] < 2 {
				t.Errorf("%q: records by tenant %v, want only %s's", q, got, a.name)
			}
		}
		types := map[string]bool{}
		for _, rec := range readAudit(t, reg, a.admin, "").Records {
			types[rec.Type] = true
		}
		for _, want := range []string{events.ImagePullSecretCreated, events.ImagePullSecretRead, events.AuditRecordsRead} {
			if !types[want] {
				t.Errorf("tenant admin's records lack %s: %v", want, types)
			}
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name, token, path string
			want              int
		}{
			{"developer", a.dev, "admin/audit", http.StatusForbidden},
			{"no token", "", "admin/audit", http.StatusUnauthorized},
			{"tenant admin verifies", a.admin, "admin/audit/verify", http.StatusForbidden},
			{"developer verifies", a.dev, "admin/audit/verify", http.StatusForbidden},
			{"bad since", platform, "admin/audit?since=yesterday", http.StatusBadRequest},
			{"until before since", platform, "admin/audit?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", http.StatusBadRequest},
			{"limit zero", platform, "admin/audit?limit=0", http.StatusBadRequest},
			{"limit too large", platform, "admin/audit?limit=1001", http.StatusBadRequest},
			{"limit twice", platform, "admin/audit?limit=1&limit=2", http.StatusBadRequest},
			{"unknown parameter", platform, "admin/audit?tenant=" + b.name, http.StatusBadRequest},
			{"empty type", platform, "admin/audit?type=a,,b", http.StatusBadRequest},
			{"garbage cursor", a.admin, "admin/audit?cursor=not-a-cursor", http.StatusBadRequest},
			{"cursor past the end of numbers", a.admin, "admin/audit?cursor=" + forge("", "18446744073709551615"), http.StatusBadRequest},
			{"cursor of another instance", a.admin, "admin/audit?cursor=" + forge("registry-other", "1"), http.StatusBadRequest},
			{"verify with a parameter", platform, "admin/audit/verify?full=1", http.StatusBadRequest},
		} {
			r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/"+tc.path, tc.token, nil)
			if r.Status != tc.want {
				t.Errorf("%s: status %d, want %d: %s", tc.name, r.Status, tc.want, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("%s: Content-Type %q, want problem details", tc.name, ct)
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		page := readAudit(t, reg, platform, "type="+events.ImagePullSecretRead+","+events.ImagePullSecretCreated+"&type="+events.AuditChainVerified)
		if got := tenantsOf(page.Records); got[a.name] != 2 || got[b.name] != 2 || len(got) != 2 {
			t.Errorf("by type: records by tenant %v, want 2 of each tenant", got)
		}
		var subject string
		for _, rec := range page.Records {
			if rec.Tenant == a.name && rec.Type == events.ImagePullSecretRead {
				subject = rec.Subject
			}
		}
		page = readAudit(t, reg, platform, "subject="+url.QueryEscape(subject))
		if len(page.Records) == 0 {
			t.Fatalf("no record with subject %q", subject)
		}
		for _, rec := range page.Records {
			if rec.Subject != subject {
				t.Errorf("subject filter %q returned %+v", subject, rec)
			}
		}

		all := readAudit(t, reg, platform, "limit=1000").Records
		mid := all[len(all)/2].Time
		since := readAudit(t, reg, platform, "limit=1000&since="+url.QueryEscape(mid.Format(time.RFC3339Nano))).Records
		until := readAudit(t, reg, platform, "limit=1000&until="+url.QueryEscape(mid.Format(time.RFC3339Nano))).Records
		if len(since) == 0 || len(until) == 0 {
			t.Fatalf("since %s: %d records, until: %d", mid, len(since), len(until))
		}
		for _, rec := range since {
			if rec.Time.Before(mid) {
				t.Errorf("since %s returned a record of %s", mid, rec.Time)
			}
		}
		for _, rec := range until {
			if !rec.Time.Before(mid) {
				t.Errorf("until %s returned a record of %s", mid, rec.Time)
			}
		}
	})

	t.Run("paging returns every record once", func(t *testing.T) {
		// The platform admin sees every record: the pages, their own
		// records included, are the log from its first record on.
		paged := readAllAudit(t, reg, platform, "", 7)
		for i, rec := range paged {
			if rec.Index != uint64(i+1) {
				t.Fatalf("paged record %d has index %d: a record missed or repeated", i, rec.Index)
			}
		}
		// A tenant admin's pages are its tenant's records, each once.
		var want, got []uint64
		for _, rec := range readAllAudit(t, reg, a.admin, "", 2) {
			if rec.Type != events.AuditRecordsRead { // the paging's own records
				got = append(got, rec.Index)
			}
		}
		for _, rec := range reg.AuditRecords(t) {
			if rec.Tenant == a.name && rec.Type != events.AuditRecordsRead {
				want = append(want, rec.Index)
			}
		}
		if !slices.Equal(got, want) || len(want) < 2 {
			t.Errorf("tenant admin paged %v, the log holds %v", got, want)
		}
	})

	t.Run("reads are audited", func(t *testing.T) {
		readAudit(t, reg, a.admin, "limit=1")
		testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/admin/audit", a.dev, nil)
		var reads, refusals int
		for _, rec := range reg.AuditRecords(t) {
			var data map[string]any
			_ = json.Unmarshal(rec.Data, &data)
			switch {
			case rec.Type == events.AuditRecordsRead && rec.Tenant == a.name && strings.HasPrefix(data["actor"].(string), "boss@"):
				reads++
			case rec.Type == events.CommandRejected && rec.Tenant == a.name && data["command"] == "audit.read" && data["reason"] == "forbidden":
				refusals++
			}
		}
		if reads == 0 || refusals == 0 {
			t.Errorf("audit reads recorded %d, refusals %d; want both", reads, refusals)
		}
	})

	t.Run("verify", func(t *testing.T) {
		r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/admin/audit/verify", platform, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		var chain auditread.Chain
		r.JSON(t, &chain)
		if !chain.OK || chain.Last == 0 || chain.Records == 0 || chain.Problem != "" || chain.Instance != first.Instance {
			t.Fatalf("chain %+v", chain)
		}
		var head string
		for _, rec := range reg.AuditRecords(t) {
			if rec.Index == chain.Last {
				head = hex.EncodeToString(rec.Hash[:])
			}
		}
		if head != chain.Head {
			t.Errorf("verify's head %d:%s, the log's record %d hashes to %s", chain.Last, chain.Head, chain.Last, head)
		}
		sum, err := auditlog.Verify(reg.AuditDir(), nil)
		if err != nil || sum.Last <= chain.Last {
			t.Errorf("auditlog.Verify after: %+v, %v; want ok and past %d (the verify's own record)", sum, err, chain.Last)
		}
		var audited bool
		for _, rec := range reg.AuditRecords(t) {
			audited = audited || (rec.Type == events.AuditChainVerified && rec.Index > chain.Last)
		}
		if !audited {
			t.Error("the verify request is not in the audit log")
		}
	})
}
