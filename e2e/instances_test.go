package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/testkit"
)

const (
	failoverRequests = 2000
	failoverKillAt   = 600 // answered requests before A is killed
)

// Two registryd processes on one Vault and one Kafka broker share the
// southbound consumer group. A is killed with SIGKILL in the middle of
// 2,000 credential requests: the group rebalances and B answers every
// request, each with the stored credentials (a record A had not committed
// is answered again: at least once).
//
// Not yet covered: writes among the requests. A write whose instance dies
// between its Vault write and its answer is applied again by the survivor
// (its intent is in the dead instance's outbox); see README, "Running
// several instances".
func TestSurvivorAnswersEveryCredentialRequest(t *testing.T) {
	t.Parallel()
	bin := buildRegistryd(t)
	vault := testkit.SharedVault(t)
	kafka := testkit.StartKafka(t)
	topics := hypowire.DefaultTopics()
	pm := testkit.NewPackageManager(t, kafka.Brokers, topics.CredentialResponse)
	tenant := testkit.RandomTenant(t)
	vault.ProvisionTenant(t, tenant)
	token := vault.OIDC.Token(t, "pm@"+tenant, []string{tenant}, "developer")
	env := []string{
		"REGISTRY_KAFKA_BROKERS=" + strings.Join(kafka.Brokers, ","),
		"REGISTRY_VAULT_ADDR=" + vault.Addr, "REGISTRY_VAULT_MOUNT=" + vault.Mount,
		"REGISTRY_VAULT_AUTH_MOUNT=" + vault.JWTMount, "REGISTRY_VAULT_ROLE=" + vault.Role,
		"REGISTRY_OIDC_ISSUER=" + vault.OIDC.URL, "REGISTRY_OIDC_AUDIENCE=" + testkit.Audience,
		"REGISTRY_LOG_LEVEL=warn",
	}
	// Two instances on one host: each names itself (by default both would
	// take the hostname, and with it one projections group).
	a := &registryd{t: t, bin: bin, dataDir: t.TempDir(), sharedGroups: true, env: append(env, "REGISTRY_INSTANCE_ID=a")}
	b := &registryd{t: t, bin: bin, dataDir: t.TempDir(), sharedGroups: true, env: append(env, "REGISTRY_INSTANCE_ID=b")}
	a.start()
	t.Cleanup(a.stop)
	b.start()
	t.Cleanup(b.stop)

	const repo = "https://charts.failover.example.com"
	seed := testkit.Do(t, http.MethodPost, a.url+"/registry-api/package-registry/secret/"+strings.ReplaceAll(repo, "/", "%2F"), token,
		[]byte(`{"username":"fo-user","password":"fo-password","url":"`+repo+`"}`))
	if seed.Status != http.StatusCreated {
		t.Fatalf("seed the credentials: %d %s", seed.Status, seed.Body)
	}

	answered := func() map[string]int {
		by := map[string]int{}
		for _, r := range pm.Records(topics.CredentialResponse) {
			var res struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Data   struct {
					RepoCredentials struct{ Username, Password string } `json:"repoCredentials"`
				} `json:"data"`
			}
			if err := json.Unmarshal(r.Value, &res); err != nil || res.Status != "SUCCESS" || res.Data.RepoCredentials.Password != "fo-password" {
				t.Fatalf("reply %s (%v)", r.Value, err)
			}
			by[res.ID]++
		}
		return by
	}
	send := func(from, to int) {
		for i := from; i < to; i++ {
			value := fmt.Sprintf(`{"type":"parsing","serviceOrderRequest":{"kogitoprocinstanceid":"proc-%04d","serviceOrder":{"serviceOrderId":"order-%04d","serviceId":"svc-%04d","serviceRepositoryURL":%q}},"url":%q,"schedulerNamespace":""}`, i, i, i, repo, repo)
			pm.Send(t, topics.CredentialRequest, fmt.Sprintf("order-%04d", i), []byte(value), "Authorization", "Bearer "+token)
		}
	}
	waitAnswered := func(n int, within time.Duration) {
		deadline := time.Now().Add(within)
		for len(answered()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d requests answered within %v\nA: %s\nB: %s", len(answered()), n, within, a.logTail(), b.logTail())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	send(0, failoverKillAt+200)
	waitAnswered(failoverKillAt, 60*time.Second)
	a.kill()
	t.Logf("A killed with %d of %d sent requests answered", len(answered()), failoverKillAt+200)
	send(failoverKillAt+200, failoverRequests)
	// A's partitions move to B once A's session times out (10 s).
	waitAnswered(failoverRequests, 90*time.Second)

	again := 0
	for _, n := range answered() {
		again += n - 1
	}
	t.Logf("%d requests answered by the survivor or before the kill, %d answered again after the rebalance", failoverRequests, again)
}
