package hypo_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/testkit"
)

// The REST API's authorization options hold on Kafka too: with role-based
// access and owner-only writes, a read-only token reads but does not
// write, a token without a role gets an ERROR reply, and only a Fabric
// secret's creator replaces or deletes it.
func TestSouthboundAuthorization(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistryOn(t, testkit.EmbeddedKafka, func(c *app.Config) {
		c.Authz.RoleBased, c.Authz.OwnerOnly = true, true
	})
	wire, err := hypowire.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	h := &hypo{reg: reg, pm: testkit.NewPackageManager(t, reg.Kafka.Brokers, replyTopics...), wire: wire}
	h.tenant = reg.Tenant(t)
	h.token = reg.Token(t, "package-manager", h.tenant, "developer")
	reader := reg.Token(t, "reader", h.tenant, "read-only")
	nobody := reg.Token(t, "nobody", h.tenant)
	bob := reg.Token(t, "bob", h.tenant, "developer")
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	h.storeBinary(t, "store-1", seedClusterID, "", kubeconfigYAML)
	if res, _ := h.storeResult(t, "store-1"); res.Status != "SUCCESS" {
		t.Fatalf("developer store: %+v", res)
	}
	if r := h.rest(t, http.MethodPost, "/registry-api/image-pull/secret/my-app-pull-secret", seedPullBody); r.Status != http.StatusCreated {
		t.Fatalf("create image-pull secret: %d", r.Status)
	}
	h.pm.Send(t, topics.CredentialRequest, "", []byte(withID(seedDeployment, "as-reader")), bearer(reader)...)
	if r := h.credentialReply(t, "as-reader", 1); r.Status != "SUCCESS" {
		t.Errorf("read-only credential request: %s %q", r.Status, r.Message)
	}
	h.pm.Send(t, topics.CredentialRequest, "", []byte(withID(seedDeployment, "as-nobody")), bearer(nobody)...)
	if r := h.credentialReply(t, "as-nobody", 1); r.Status != "ERROR" || !strings.Contains(r.Message, "role") || r.Data.KubeConfigAsBase64 != "" {
		t.Errorf("credential request without a role: %s %q", r.Status, r.Message)
	}
	h.pm.Send(t, topics.KubeconfigStore, "", []byte(`{"serviceId":"svc-r","kubeConfig":"x"}`), append(bearer(reader),
		"ce_specversion", "1.0", "ce_id", "store-reader", "ce_source", "/sonata", "ce_type", hypowire.EventKubeconfigStore)...)
	if res, _ := h.storeResult(t, "store-reader"); res.Status != "ERROR" || !strings.Contains(res.Reason, "developer") {
		t.Errorf("read-only kubeconfig store: %+v", res)
	}

	if reason := h.poisoned(t, h.pm.Send(t, topics.FabricCredsPersist, "", []byte(`{"controllerId":"ctrl-1","username":"u","password":"pw-r"}`), bearer(reader)...)); !strings.Contains(reason, "developer") {
		t.Errorf("read-only fabric persist: poison reason %q", reason)
	}
	h.pm.Send(t, topics.FabricCredsPersist, "", []byte(`{"controllerId":"ctrl-1","username":"u","password":"pw-1"}`), bearer(h.token)...)
	fabric := func() string { return string(h.rest(t, http.MethodGet, "/registry-api/fabric/secret/ctrl-1", "").Body) }
	// Owner-only writes decide from the owners read model: wait until the
	// creator's command has committed its event (the secret is readable a
	// moment before) and the read model has it.
	waitFor(t, "the creator's fabric secret and its event", func() bool {
		if !strings.Contains(fabric(), "pw-1") {
			return false
		}
		for _, r := range reg.AuditRecords(t) {
			if r.Type == events.FabricSecretCreated && strings.HasSuffix(r.Subject, "/ctrl-1") {
				return true
			}
		}
		return false
	})
	if err := reg.WaitProjections(t.Context()); err != nil {
		t.Fatal(err)
	}
	if reason := h.poisoned(t, h.pm.Send(t, topics.FabricCredsPersist, "", []byte(`{"controllerId":"ctrl-1","username":"u","password":"pw-bob"}`), bearer(bob)...)); !strings.Contains(reason, "owner") {
		t.Errorf("another member replacing the secret: poison reason %q", reason)
	}
	if reason := h.poisoned(t, h.pm.Send(t, topics.FabricCredsDelete, "", []byte(`{"controllerId":"ctrl-1"}`), bearer(bob)...)); !strings.Contains(reason, "owner") {
		t.Errorf("another member deleting the secret: poison reason %q", reason)
	}
	// The refused records changed nothing.
	if body := fabric(); !strings.Contains(body, "pw-1") {
		t.Errorf("after refused writes the secret is %s", body)
	}
	h.pm.Send(t, topics.FabricCredsDelete, "", []byte(`{"controllerId":"ctrl-1"}`), bearer(h.token)...)
	waitFor(t, "the creator's delete", func() bool {
		return h.rest(t, http.MethodGet, "/registry-api/fabric/secret/ctrl-1", "").Status == http.StatusNotFound
	})
}
