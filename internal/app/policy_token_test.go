package app_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/schemas"
	"github.com/hypo-registry/registry/testkit"
)

// examplePolicies are the policies the project ships.
const examplePolicies = "../../deploy/policies"

// tokenAccess asks reg's /token for scopes as the bearer of jwt and
// returns the status, the body and the token's access claim.
func tokenAccess(t *testing.T, reg *testkit.Registry, jwt string, scopes ...string) (int, string, []registrytoken.Scope) {
	t.Helper()
	q := url.Values{"service": {"registry"}, "scope": scopes}
	req, _ := http.NewRequest(http.MethodGet, reg.URL+"/token?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+jwt)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, string(body), nil
	}
	var tr registrytoken.TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tr.Token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Access []registrytoken.Scope `json:"access"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), claims.Access
}

func actionsOf(access []registrytoken.Scope, typ, name string) []string {
	for _, s := range access {
		if s.Type == typ && s.Name == name {
			return s.Actions
		}
	}
	return nil
}

// The shipped policies on /token, partial grants: the catalogue only for
// an admin, repositories only under the caller's tenant; the token event
// names the policy and what it removed.
func TestPolicyOnTokenNarrowsThePartialGrant(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, withTokenService, func(c *app.Config) { c.Policy.Path = examplePolicies })
	tenant := reg.Tenant(t)
	dev := reg.Token(t, "alice", tenant, "developer")
	status, body, access := tokenAccess(t, reg, dev, "registry:catalog:*", "repository:"+tenant+"/app:pull,push", "repository:globex/app:pull")
	if status != http.StatusOK {
		t.Fatalf("GET /token: %d %s", status, body)
	}
	if a := actionsOf(access, "registry", "catalog"); len(a) != 0 {
		t.Errorf("a developer got the catalogue: %v", a)
	}
	if a := actionsOf(access, "repository", tenant+"/app"); !slices.Equal(a, []string{"pull", "push"}) {
		t.Errorf("own repository: %v, want pull and push", a)
	}
	if a := actionsOf(access, "repository", "globex/app"); len(a) != 0 {
		t.Errorf("another tenant's repository: %v", a)
	}
	admin := reg.Token(t, "root", tenant, "admin")
	if _, body, access := tokenAccess(t, reg, admin, "registry:catalog:*"); !slices.Equal(actionsOf(access, "registry", "catalog"), []string{"*"}) {
		t.Errorf("an admin did not get the catalogue: %s", body)
	}

	var issued []map[string]any
	for _, r := range reg.AuditRecords(t) {
		if r.Type == events.RegistryTokenIssued && r.Tenant == tenant {
			s, err := schemas.EventCompiler().Compile(schemas.EventSchemaBase + r.Type + ".v1.json")
			if err != nil {
				t.Fatal(err)
			}
			if err := validateJSON(s, r.Data); err != nil {
				t.Errorf("issued record does not match its schema: %v", err)
			}
			var data map[string]any
			if err := json.Unmarshal(r.Data, &data); err != nil {
				t.Fatal(err)
			}
			issued = append(issued, data)
		}
	}
	if len(issued) != 2 {
		t.Fatalf("issued records: %v", issued)
	}
	denied, _ := json.Marshal(issued[0]["policyDenied"])
	if issued[0]["policyHash"] != reg.Policy().Hash() || string(denied) != `["registry:catalog:*","repository:globex/app:pull"]` {
		t.Errorf("the issued record does not name the policy and what it denied: %v", issued[0])
	}
	if issued[1]["policyHash"] != reg.Policy().Hash() || issued[1]["policyDenied"] != nil {
		t.Errorf("the admin's record: %v", issued[1])
	}
}

// In the strict grant mode an action the policy denies refuses the token,
// with the policy's reason.
func TestPolicyOnTokenRefusesTheStrictGrant(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, withTokenService, func(c *app.Config) {
		c.RegistryToken.Grants = registrytoken.GrantsStrict
		c.Policy.Path = examplePolicies
	})
	tenant := reg.Tenant(t)
	dev := reg.Token(t, "alice", tenant, "developer")
	status, body, _ := tokenAccess(t, reg, dev, "repository:"+tenant+"/app:pull", "registry:catalog:*")
	if status != http.StatusForbidden || !strings.Contains(body, registrytoken.ReasonPolicyDenied) ||
		!strings.Contains(body, "only an admin may list the registry catalog") {
		t.Fatalf("strict grant of the catalogue to a developer: %d %s", status, body)
	}
	if status, body, _ := tokenAccess(t, reg, dev, "repository:"+tenant+"/app:pull"); status != http.StatusOK {
		t.Fatalf("strict grant of the own repository: %d %s", status, body)
	}
	found := false
	for _, r := range reg.AuditRecords(t) {
		if r.Type == events.RegistryTokenRejected && r.Tenant == tenant {
			found = strings.Contains(string(r.Data), `"policyHash":"`+reg.Policy().Hash()+`"`) &&
				strings.Contains(string(r.Data), `"reason":"policy_denied"`)
		}
	}
	if !found {
		t.Error("no rejected record naming the policy")
	}
}
