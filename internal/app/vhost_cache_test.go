package app_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// TestVirtualHostReadsFollowTheProjection: once this instance's own view of
// a change has expired (after a minute), what a host read shows is the
// projection's, so the hosts the handlers keep decoded must follow what the
// projection applies: a deleted host is gone and a re-created one is the
// new one, as registryd wires the projection and the handlers together,
// fed from the local event log or from the Kafka topic.
func TestVirtualHostReadsFollowTheProjection(t *testing.T) {
	t.Parallel()
	for _, backend := range []testkit.Backend{testkit.Embedded, testkit.EmbeddedKafka} {
		t.Run(backend.Name, func(t *testing.T) {
			t.Parallel()
			testVirtualHostReadsFollowTheProjection(t, backend)
		})
	}
}

func testVirtualHostReadsFollowTheProjection(t *testing.T, backend testkit.Backend) {
	var ahead atomic.Int64 // how far the handlers' clock is ahead of the wall
	reg := testkit.StartRegistryOn(t, backend, func(c *app.Config) {
		c.VirtualHosts.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	})
	tenant := reg.Tenant(t)
	alice := reg.Token(t, "alice", tenant, "developer")
	base := reg.URL + "/registry/v1/virtualHost"
	host := base + "/cache.example"
	create := func(port string) {
		t.Helper()
		if r := testkit.Do(t, http.MethodPost, base, alice, []byte(`{"virtualHost":{"name":"cache.example","port":`+port+`}}`)); r.Status != http.StatusOK {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
	}
	// eventually waits, with the clock a minute further each time, for a
	// read of the host to answer status with want in its body.
	eventually := func(status int, want string) {
		t.Helper()
		ahead.Add(int64(2 * time.Minute))
		deadline := time.Now().Add(10 * time.Second)
		for {
			r := testkit.Do(t, http.MethodGet, host, alice, nil)
			if r.Status == status && strings.Contains(string(r.Body), want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET: %d %s; want %d with %s", r.Status, r.Body, status, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	create("8081")
	eventually(http.StatusOK, `"port":8081`)
	if r := testkit.Do(t, http.MethodDelete, host, alice, nil); r.Status != http.StatusOK && r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	eventually(http.StatusNotFound, "")
	create("8082")
	eventually(http.StatusOK, `"port":8082`)
}
