package hypo_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/testkit"
)

// TestHungVaultIsAnsweredError: a credential request meeting a hung Vault
// (SIGSTOP) is answered with an ERROR reply, in bounded time, not left
// unanswered or poisoned; once Vault continues, the same request succeeds
// without a restart.
func TestHungVaultIsAnsweredError(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	v := testkit.StartVault(t, nil)
	reg := testkit.StartRegistryOnVaultAndKafka(t, v, func(c *app.Config) { c.Vault.Timeout = timeout })
	wire, err := hypowire.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	h := &hypo{reg: reg, pm: testkit.NewPackageManager(t, reg.Kafka.Brokers, replyTopics...), wire: wire}
	h.tenant = reg.Tenant(t)
	h.token = reg.Token(t, "package-manager", h.tenant, "developer")
	if r := h.rest(t, http.MethodPost, "/registry-api/package-registry/secret/"+strings.ReplaceAll(seedRepoURL, "/", "%2F"), seedRepoBody); r.Status != http.StatusCreated {
		t.Fatalf("create package-registry secret: %d %s", r.Status, r.Body)
	}

	v.Pause(t)
	start := time.Now()
	h.send(t, topics.CredentialRequest, seedParsing)
	p := h.credentialReply(t, seedServiceID, 1)
	// The reply's own path (Kafka both ways) adds to the Vault timeout:
	// bounded generously, far below the 10s the bus would allow.
	if took := time.Since(start); took >= timeout+5*time.Second {
		t.Errorf("ERROR reply after %s, want it within %s", took, timeout+5*time.Second)
	}
	if p.Status != hypowire.StatusError || p.Message == "" {
		t.Errorf("reply with Vault hung: %+v, want ERROR with a message", p)
	}
	t.Logf("ERROR reply after %s: %s", time.Since(start), p.Message)
	if poisoned := h.pm.Records("registry.poison"); len(poisoned) != 0 {
		t.Errorf("%d records poisoned, want the request answered instead", len(poisoned))
	}

	v.Resume(t)
	time.Sleep(vaultconn.HoldOff)
	h.send(t, topics.CredentialRequest, seedParsing)
	if p := h.credentialReply(t, seedServiceID, 2); p.Status != hypowire.StatusSuccess {
		t.Errorf("reply after Vault continued: %+v, want SUCCESS", p)
	}
}
