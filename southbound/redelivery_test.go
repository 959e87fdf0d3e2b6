package southbound_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/secretpath"
	"github.com/hypo-registry/registry/service"
	"github.com/hypo-registry/registry/testkit"
)

// A record delivered again (the group's offset reset behind it, the
// registry restarted on the same data) is the same command: no second
// effect, the same reply.
func TestRedeliveredRecordSameReplyNoSecondEffect(t *testing.T) {
	t.Parallel()
	h := startHypo(t, testkit.EmbeddedKafka)
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
	h.pm.RewindGroup(t, service.DefaultSouthboundGroup, rec.Topic, rec.Partition, rec.Offset)
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
