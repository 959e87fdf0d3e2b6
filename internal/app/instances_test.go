package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/testkit"
)

// peerBound is how long the tests allow another instance to show a change
// (the relay publishing the event, the peer's fetch wait of 100 ms, its
// projection applying it): well above what it takes on an idle machine, so
// a loaded CI machine does not fail it. README states it.
const peerBound = 5 * time.Second

// Two instances on one Vault and one Kafka behave as one service: a secret
// written on A is read on B at once (Vault holds it); a virtual host and a
// role mapping created on A are seen on B within peerBound (each
// instance's projections follow registry.events).
func TestTwoInstancesAsOneService(t *testing.T) {
	t.Parallel()
	a := testkit.StartRegistryOn(t, testkit.VaultKafka)
	b := a.StartPeer(t)
	tenant := a.Tenant(t)
	alice := a.Token(t, "alice", tenant, "developer")

	secret := "/registry-api/image-pull/secret/shared"
	if r := testkit.Do(t, http.MethodPost, a.URL+secret, alice, []byte(`{"username":"u","password":"p-two","url":"https://registry.example.com"}`)); r.Status != http.StatusCreated {
		t.Fatalf("create on A: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, b.URL+secret, alice, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"p-two"`) {
		t.Fatalf("read on B: %d %s", r.Status, r.Body)
	}

	host := tenant + ".peer.example.com"
	if r := testkit.Do(t, http.MethodPost, a.URL+"/registry/v1/virtualHost", alice, []byte(`{"virtualHost":{"name":"`+host+`"}}`)); r.Status != http.StatusOK {
		t.Fatalf("virtual host on A: %d %s", r.Status, r.Body)
	}
	// Read-your-writes on the instance that took the write.
	if r := testkit.Do(t, http.MethodGet, a.URL+"/registry/v1/virtualHost/"+host, alice, nil); r.Status != http.StatusOK {
		t.Errorf("A reading its own new virtual host: %d %s", r.Status, r.Body)
	}

	lag := waitFor(t, "B to list A's virtual host", func() bool {
		r := testkit.Do(t, http.MethodGet, b.URL+"/registry/v1/virtualHost", alice, nil)
		return r.Status == http.StatusOK && strings.Contains(string(r.Body), host)
	})
	t.Logf("B listed A's virtual host %v after A answered", lag.Round(time.Millisecond))
	// and B's heartbeat into it is seen on A
	if r := testkit.Do(t, http.MethodPut, b.URL+"/registry/v1/virtualHost/"+host+"/server/s1", alice, []byte(`{"server":{"host":"b.example"}}`)); r.Status != http.StatusOK {
		t.Fatalf("heartbeat on B: %d %s", r.Status, r.Body)
	}
	waitFor(t, "A to show B's heartbeat", func() bool {
		r := testkit.Do(t, http.MethodGet, a.URL+"/registry/v1/virtualHost/"+host+"/server", alice, nil)
		return r.Status == http.StatusOK && strings.Contains(string(r.Body), `"b.example"`)
	})

	admin := a.Token(t, "root", tenant, "platform-admin")
	if r := testkit.Do(t, http.MethodPost, a.URL+"/registry-api/admin/roleMappings", admin, []byte(`{"principalId":"carol","role":"DEVELOPER"}`)); r.Status != http.StatusCreated {
		t.Fatalf("role mapping on A: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, a.URL+"/registry-api/admin/roleMappings/carol", admin, nil); r.Status != http.StatusOK {
		t.Errorf("A reading its own new role mapping: %d %s", r.Status, r.Body)
	}
	waitFor(t, "B to show A's role mapping", func() bool {
		r := testkit.Do(t, http.MethodGet, b.URL+"/registry-api/admin/roleMappings/carol", admin, nil)
		return r.Status == http.StatusOK && strings.Contains(string(r.Body), "DEVELOPER")
	})
}

// waitFor polls cond until it holds or peerBound passes, and returns how
// long it took.
func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > peerBound {
			t.Fatalf("waited %v for %s", peerBound, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}
