package hypo_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
)

// A record delivered again (the group's offset reset behind it, the
// registry restarted on the same data) is the same command: no second
// effect, the same reply.
func TestRedeliveredRecordSameReplyNoSecondEffect(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testRedelivered(t, startHypo(t, b))
		})
	}
}

func testRedelivered(t *testing.T, h *hypo) {
	if r := h.rest(t, http.MethodPost, "/registry-api/package-registry/secret/"+strings.ReplaceAll(seedRepoURL, "/", "%2F"), seedRepoBody); r.Status != http.StatusCreated {
		t.Fatalf("create package-registry secret: %d %s", r.Status, r.Body)
	}
	const id = "svc-redelivered"
	parsing := strings.Replace(withID(seedParsing, id), `"schedulerNamespace": ""`, `"schedulerNamespace": "ns-1"`, 1)
	rec := h.send(t, topics.CredentialRequest, parsing)
	if r := h.credentialReply(t, id, 1); r.Status != "SUCCESS" {
		t.Fatalf("first reply: %+v", r)
	}
	first := h.pm.Records(topics.CredentialResponse)

	h.reg.Stop(t)
	h.pm.RewindGroup(t, app.DefaultSouthboundGroup, rec.Topic, rec.Partition, rec.Offset)
	h.reg.Restart(t)

	h.credentialReply(t, id, 2)
	var replies [][]byte
	for _, r := range h.pm.Records(topics.CredentialResponse) {
		if bytes.Contains(r.Value, []byte(id)) {
			replies = append(replies, r.Value)
		}
	}
	if len(replies) != 2 || !bytes.Equal(replies[0], replies[1]) {
		t.Fatalf("replies to the redelivered record differ or are missing (%d replies, %d before)", len(replies), len(first))
	}
	caller := handlers.Caller{Subject: "package-manager@" + h.tenant, Tenant: h.tenant, Token: h.token}
	p, err := secretpath.New(secretpath.ServiceOrderData, h.tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := h.reg.SecretStore().Metadata(t.Context(), caller, p)
	if err != nil {
		t.Fatal(err)
	}
	if meta.CurrentVersion != 1 {
		t.Errorf("service-order data at version %d after one record delivered twice, want 1", meta.CurrentVersion)
	}
}

// REGISTRY_KAFKA_VERIFY_JWT=false (seed 000's behaviour) on Vault: the
// registry reads the claims unverified, and Vault's JWT login still
// refuses a forged token, so no secret leaves.
func TestUnverifiedTokensAreLeftToVault(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistryOn(t, testkit.VaultKafka, func(c *app.Config) { c.Southbound.SkipTokenVerification = true })
	wire, err := hypowire.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	h := &hypo{reg: reg, pm: testkit.NewPackageManager(t, reg.Kafka.Brokers, replyTopics...), wire: wire}
	h.tenant = reg.Tenant(t)
	h.token = reg.Token(t, "package-manager", h.tenant, "developer")
	h.storeBinary(t, "store-1", seedClusterID, "", kubeconfigYAML)
	if res, _ := h.storeResult(t, "store-1"); res.Status != "SUCCESS" {
		t.Fatalf("store with a valid token: %+v", res)
	}
	forged := h.token[:len(h.token)-6] + strings.Repeat("A", 6)
	h.pm.Send(t, topics.KubeconfigRetrieve, "", []byte(seedClusterID), "Authorization", "Bearer "+forged)
	if k := h.kubeconfigReply(t, seedClusterID, 1); k.Status != "ERROR" || k.KubeConfigAsBase64 != "" {
		t.Errorf("forged token, unverified by the registry: %v", k)
	}
	h.send(t, topics.KubeconfigRetrieve, seedClusterID)
	if k := h.kubeconfigReply(t, seedClusterID, 2); k.Status != "SUCCESS" {
		t.Errorf("valid token: %v", k)
	}
}
