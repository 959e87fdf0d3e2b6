package hypo_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// southboundPolicy freezes kubeconfig retrievals (with a reason), one
// Fabric controller, and credential requests from callers whose token
// lacks the claim team = pm.
const southboundPolicy = `package registry.authz

default allow := true

allow := {"allow": false, "reason": "kubeconfigs are frozen"} if {
	input.entrypoint == "kafka"
	input.resource.scope == "kube-conf"
	input.action == "read"
}

allow := {"allow": false, "reason": "controller ctrl-frozen is frozen"} if {
	input.resource.scope == "fabric"
	input.resource.name == "ctrl-frozen"
}

allow := false if {
	input.resource.scope == "credentials"
	not input.caller.claims.team == "pm"
}
`

// The policy holds on the Kafka southbound: a deny is an ERROR reply (or
// the poison topic where the topic has no reply) with the policy's
// reason, and an audit record naming the policy.
func TestSouthboundPolicy(t *testing.T) {
	t.Parallel()
	dir := testkit.PolicyDir(t, southboundPolicy)
	reg := testkit.StartRegistryOn(t, testkit.EmbeddedKafka, func(c *app.Config) {
		c.Policy = app.PolicyConfig{Path: dir, Claims: []string{"team"}}
	})
	wire, err := hypowire.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	h := &hypo{reg: reg, pm: testkit.NewPackageManager(t, reg.Kafka.Brokers, replyTopics...), wire: wire}
	h.tenant = reg.Tenant(t)
	pm, err := reg.OIDC.Mint(oidcdev.Claims{Subject: "package-manager", Groups: []string{h.tenant}, Roles: []string{"developer"}, Extra: map[string]any{"team": "pm"}})
	if err != nil {
		t.Fatal(err)
	}
	h.token = pm
	other := reg.Token(t, "other", h.tenant, "developer")

	h.storeBinary(t, "store-1", seedClusterID, "", kubeconfigYAML)
	if res, _ := h.storeResult(t, "store-1"); res.Status != "SUCCESS" {
		t.Fatalf("kubeconfig store (a write, allowed): %+v", res)
	}
	h.send(t, topics.KubeconfigRetrieve, seedClusterID)
	if k := h.kubeconfigReply(t, seedClusterID, 1); k.Status != "ERROR" || !strings.Contains(k.Message, "kubeconfigs are frozen") || k.KubeConfigAsBase64 != "" {
		t.Errorf("kubeconfig retrieval: %+v", k)
	}

	if r := h.rest(t, http.MethodPost, "/registry-api/image-pull/secret/my-app-pull-secret", seedPullBody); r.Status != http.StatusCreated {
		t.Fatalf("create image-pull secret: %d", r.Status)
	}
	h.send(t, topics.CredentialRequest, withID(seedDeployment, "with-claim"))
	if r := h.credentialReply(t, "with-claim", 1); r.Status != "SUCCESS" {
		t.Errorf("credential request with team=pm: %s %q", r.Status, r.Message)
	}
	h.pm.Send(t, topics.CredentialRequest, "", []byte(withID(seedDeployment, "without-claim")), "Authorization", "Bearer "+other)
	if r := h.credentialReply(t, "without-claim", 1); r.Status != "ERROR" || !strings.Contains(r.Message, "denied by the authorization policy") || r.Data.KubeConfigAsBase64 != "" {
		t.Errorf("credential request without the claim: %s %q", r.Status, r.Message)
	}

	if reason := h.poisoned(t, h.send(t, topics.FabricCredsPersist, `{"controllerId":"ctrl-frozen","username":"u","password":"pw"}`)); !strings.Contains(reason, "controller ctrl-frozen is frozen") {
		t.Errorf("fabric persist of the frozen controller: poison reason %q", reason)
	}

	hash := reg.Policy().Hash()
	seen := map[string]bool{}
	for _, r := range reg.AuditRecords(t) {
		if r.Type != events.AuthzPolicyDenied {
			continue
		}
		d := string(r.Data)
		if !strings.Contains(d, `"policyHash":"`+hash+`"`) || !strings.Contains(d, `"entrypoint":"kafka"`) || r.Tenant != h.tenant {
			t.Errorf("denial record %s (tenant %s)", d, r.Tenant)
		}
		for _, topic := range []string{topics.KubeconfigRetrieve, topics.CredentialRequest, topics.FabricCredsPersist} {
			if strings.Contains(d, `"topic":"`+topic+`"`) {
				seen[topic] = true
			}
		}
		if strings.Contains(d, "eyJ") || strings.Contains(d, `"pm"`) {
			t.Errorf("a denial record holds a token or a claim: %s", d)
		}
	}
	if len(seen) != 3 {
		t.Errorf("denial records for the topics %v, want all three", seen)
	}
}
