package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/testkit"
)

// GET /token as registryd wires it (the query path, the audit log): a token leaves only once its record is durable, a denial is
// audited and answered 403, and with the audit log stopped the caller gets
// 503 and no token.
func TestRegistryTokenIsAuditedAndFailsClosed(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, withTokenService)
	tenant := reg.Tenant(t)
	jwt := reg.Token(t, "alice", tenant, "developer")
	get := func(service string) (int, string) {
		q := url.Values{"service": {service}, "scope": {"repository:" + tenant + "/app:pull,push"}}
		req, _ := http.NewRequest(http.MethodGet, reg.URL+"/token?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+jwt)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}

	status, body := get("registry")
	var tr registrytoken.TokenResponse
	if err := json.Unmarshal([]byte(body), &tr); status != http.StatusOK || err != nil || tr.Token == "" || tr.Token != tr.AccessToken {
		t.Fatalf("GET /token: %d %s", status, body)
	}
	if status, body := get("elsewhere"); status != http.StatusForbidden || !strings.Contains(body, registrytoken.ReasonServiceNotAllowed) {
		t.Fatalf("GET /token for a service not served: %d %s, want 403 %s", status, body, registrytoken.ReasonServiceNotAllowed)
	}
	types := map[string]int{}
	for _, r := range reg.AuditRecords(t) {
		if r.Tenant == tenant {
			types[r.Type]++
			if strings.Contains(string(r.Data), tr.Token[strings.LastIndexByte(tr.Token, '.')+1:]) {
				t.Errorf("the audit record holds the token: %s", r.Data)
			}
		}
	}
	if types[events.RegistryTokenIssued] != 1 || types[events.RegistryTokenRejected] != 1 {
		t.Errorf("audit records of the tenant: %v, want one issued and one rejected", types)
	}

	if err := reg.AuditLog().Close(); err != nil {
		t.Fatal(err)
	}
	status, body = get("registry")
	if status != http.StatusServiceUnavailable || strings.Contains(body, `"token"`) || strings.Contains(body, "eyJ") {
		t.Errorf("GET /token without the audit log: %d %s, want 503 and no token", status, body)
	}
}
