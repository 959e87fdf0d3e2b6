package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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

// Two registryd processes on one Vault and one Kafka broker behave as one
// service (sharedState), and share the southbound consumer group: A is killed with SIGKILL in the middle of
// 2,000 credential requests: the group rebalances and B answers every
// request, each with the stored credentials (a record A had not committed
// is answered again: at least once), and every write among them (a
// request that stores a scheduler namespace) takes effect once.
func TestTwoProcessesActAsOneAndFailOver(t *testing.T) {
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
		// The token service, its signing key and the terminal key shared,
		// as every instance behind one load balancer must have them.
		"REGISTRY_TOKEN_ENABLED=true", "REGISTRY_TOKEN_ALLOWED_SERVICES=registry", "REGISTRY_TOKEN_DEFAULT_PLAN=ci",
		`REGISTRY_TOKEN_PLANS=[{"name":"ci","repositories":[{"pattern":"ci/*","actions":["pull"]}]}]`,
		"REGISTRY_TOKEN_SIGNING_ALGORITHM=ES256", "REGISTRY_TOKEN_SIGNING_KEY_PATH=" + testkit.P256KeyFile(t),
		"REGISTRY_TERMINAL_TOKEN_KEY_PATH=" + testkit.P256KeyFile(t),
	}
	// Two instances on one host: each names itself (by default both would
	// take the hostname, and with it one projections group).
	a := &registryd{t: t, bin: bin, dataDir: t.TempDir(), sharedGroups: true, env: append(env, "REGISTRY_INSTANCE_ID=a")}
	b := &registryd{t: t, bin: bin, dataDir: t.TempDir(), sharedGroups: true, env: append(env, "REGISTRY_INSTANCE_ID=b")}
	a.start()
	t.Cleanup(a.stop)
	b.start()
	t.Cleanup(b.stop)

	sharedState(t, a, b, token, tenant)

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
			ns := "" // every tenth request also stores the service's scheduler namespace: a write
			if i%10 == 0 {
				ns = fmt.Sprintf("ns-%d", i)
			}
			value := fmt.Sprintf(`{"type":"parsing","serviceOrderRequest":{"kogitoprocinstanceid":"proc-%04d","serviceOrder":{"serviceOrderId":"order-%04d","serviceId":"svc-%04d","serviceRepositoryURL":%q}},"url":%q,"schedulerNamespace":%q}`, i, i, i, repo, repo, ns)
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

	// Every write took effect once: each service's order data is at
	// version 1, whichever instance wrote it and however often its
	// request was delivered.
	for i := 0; i < failoverRequests; i += 10 {
		path := fmt.Sprintf("%s/metadata/service-order-data/%s/svc-%04d", vault.Mount, tenant, i)
		sec, err := vault.Admin.Logical().Read(path)
		if err != nil || sec == nil {
			t.Errorf("service-order data of svc-%04d: %v (nothing stored?)", i, err)
			continue
		}
		if v := fmt.Sprint(sec.Data["current_version"]); v != "1" {
			t.Errorf("service-order data of svc-%04d written %s times, want once", i, v)
		}
	}
}

// peerBound is how long one instance may take to show what another did:
// the relay publishing the event, the peer's fetch wait (100 ms) and its
// projection (README, "Running several instances"), generous for a loaded
// machine; the lag measured is logged.
const peerBound = 10 * time.Second

// sharedState: a secret written on A is read on B at once (Vault holds
// it); a virtual host created on A is listed on B; a refresh token from A
// works on B, and B's revocation of it is honoured on A.
func sharedState(t *testing.T, a, b *registryd, jwt, tenant string) {
	t.Helper()
	secret := "/registry-api/image-pull/secret/shared"
	if r := testkit.Do(t, http.MethodPost, a.url+secret, jwt, []byte(`{"username":"u","password":"p-shared","url":"https://registry.example.com"}`)); r.Status != http.StatusCreated {
		t.Fatalf("secret on A: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, b.url+secret, jwt, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"p-shared"`) {
		t.Fatalf("A's secret read on B: %d %s", r.Status, r.Body)
	}

	host := tenant + ".failover.example.com"
	if r := testkit.Do(t, http.MethodPost, a.url+"/registry/v1/virtualHost", jwt, []byte(`{"virtualHost":{"name":"`+host+`"}}`)); r.Status != http.StatusOK {
		t.Fatalf("virtual host on A: %d %s", r.Status, r.Body)
	}
	lag := testkit.Eventually(t, peerBound, "A's virtual host listed on B", func() bool {
		r := testkit.Do(t, http.MethodGet, b.url+"/registry/v1/virtualHost", jwt, nil)
		return r.Status == http.StatusOK && strings.Contains(string(r.Body), host)
	})
	t.Logf("A's virtual host listed on B after %v", lag.Round(time.Millisecond))

	login := testkit.Do(t, http.MethodGet, a.url+"/token?service=registry&offline_token=true", jwt, nil)
	var tr struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(login.Body, &tr); login.Status != http.StatusOK || err != nil || tr.RefreshToken == "" {
		t.Fatalf("login with a refresh token on A: %d %s", login.Status, login.Body)
	}
	refresh := func(on *registryd) int {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}, "service": {"registry"}}
		resp, err := http.Post(on.url+"/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	lag = testkit.Eventually(t, peerBound, "A's refresh token accepted on B", func() bool { return refresh(b) == http.StatusOK })
	t.Logf("A's refresh token accepted on B after %v", lag.Round(time.Millisecond))
	subject := "pm@" + tenant
	if r := testkit.Do(t, http.MethodPost, b.url+"/registry-api/registry-token/revoke", jwt, []byte(`{"subject":"`+subject+`"}`)); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"revoked":1`) {
		t.Fatalf("revoke on B: %d %s", r.Status, r.Body)
	}
	lag = testkit.Eventually(t, peerBound, "B's revocation honoured on A", func() bool { return refresh(a) == http.StatusUnauthorized })
	t.Logf("B's revocation honoured on A after %v", lag.Round(time.Millisecond))
}
