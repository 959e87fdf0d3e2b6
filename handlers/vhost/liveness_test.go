package vhost_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
)

func serverIDs(r vhost.ServersReply) []string {
	ids := []string{}
	for _, s := range r.Server {
		ids = append(ids, s.ID)
	}
	return ids
}

func wantServers(t *testing.T, q *vhost.Queries, name string, want ...string) {
	t.Helper()
	r, err := q.LiveServers(t.Context(), name)
	if err != nil {
		t.Fatalf("live servers of %s: %v", name, err)
	}
	got := serverIDs(r)
	if len(want) == 0 {
		want = []string{}
	}
	if len(got) != len(want) {
		t.Fatalf("live servers of %s = %v, want %v", name, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("live servers of %s = %v, want %v", name, got, want)
		}
	}
}

// TestLiveness: a server is listed while its last heartbeat is within the
// host's timeout, hidden (not deleted) after, listed again on its next
// heartbeat, and removed by compaction only past the horizon.
func TestLiveness(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{Config: vhost.Config{CompactAfter: time.Hour}})
	q := h.Handlers.Queries()
	mustSend(t, h, &vhost.CreateVirtualHost{Auth: alice, Name: "live.example", Timeout: int64p(60)}, alice)
	mustSend(t, h, insecure(alice, "default.example"), alice)
	start := h.Clock.Now()
	r := mustSend(t, h, heartbeat(alice, "live.example", "s1", "h1.example"), alice)
	if got := decode[vhost.ServerReply](t, r).Server; got.HB != start.UnixMilli() || got.Host != "h1.example" {
		t.Fatalf("heartbeat reply %+v, want hb %d", got, start.UnixMilli())
	}
	mustSend(t, h, heartbeat(alice, "default.example", "d1", "h1.example"), alice)
	h.Clock.Advance(30 * time.Second)
	mustSend(t, h, heartbeat(alice, "live.example", "s2", "h2.example"), alice)
	sync(t, h)
	wantServers(t, q, "live.example", "s1", "s2")

	h.Clock.Advance(31 * time.Second) // s1 is 61s old, s2 31s
	wantServers(t, q, "live.example", "s2")
	if _, err := q.LiveServer(t.Context(), "live.example", "s1"); !isNotFound(err) {
		t.Fatalf("stale server: %v, want not found", err)
	}
	if _, err := h.View.Server(t.Context(), "live.example", "s1"); err != nil {
		t.Fatalf("stale server is gone from the projection: %v", err)
	}
	wantServers(t, q, "default.example", "d1") // 600s default timeout

	mustSend(t, h, heartbeat(alice, "live.example", "s1", "h1.example"), alice)
	sync(t, h)
	wantServers(t, q, "live.example", "s1", "s2")

	// Past timeout + horizon, s2 (silent since start+30s) is compacted; s1
	// beat at start+61s and is not past it yet; d1 has a longer timeout.
	h.Clock.Advance(time.Hour + 30*time.Second) // now start+1h1m31s: the cutoff is start+31s
	r = mustSend(t, h, &vhost.CompactServers{Auth: root}, root)
	if got := decode[vhost.CompactReply](t, r).Count; got != 1 {
		t.Fatalf("compacted %d servers, want 1", got)
	}
	sync(t, h)
	all, err := h.View.Servers(t.Context(), "live.example")
	if err != nil || len(all) != 1 || all[0].ID != "s1" {
		t.Fatalf("servers after compaction = %+v, %v; want s1 only", all, err)
	}
	if _, err := h.View.Server(t.Context(), "default.example", "d1"); err != nil {
		t.Fatalf("d1 compacted early: %v", err)
	}
}

// TestYforConfig: the plain-text configuration lists the live servers'
// hosts, and query parameters replace defaults or are appended.
func TestYforConfig(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{})
	q := h.Handlers.Queries()
	mustSend(t, h, insecure(alice, "test"), alice)
	for i, host := range []string{"host0.yahoo.com", "host1.yahoo.com", "host2.yahoo.com"} {
		mustSend(t, h, heartbeat(alice, "test", string(rune('a'+i)), host), alice)
	}
	sync(t, h)
	got, err := q.YforConfig(t.Context(), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "name test\nhost host0.yahoo.com\nhost host1.yahoo.com\nhost host2.yahoo.com\ncheck-type none\nmode all-active\nttl 30000\n"
	if got != want {
		t.Fatalf("yfor config:\n%s\nwant:\n%s", got, want)
	}
	got, err = q.YforConfig(t.Context(), "test", url.Values{"ttl": {"5000"}, "zone": {"west"}, "colo": {"gq1"}})
	if err != nil {
		t.Fatal(err)
	}
	want = "name test\nhost host0.yahoo.com\nhost host1.yahoo.com\nhost host2.yahoo.com\ncheck-type none\nmode all-active\nttl 5000\ncolo gq1\nzone west\n"
	if got != want {
		t.Fatalf("yfor config with parameters:\n%s\nwant:\n%s", got, want)
	}
	for _, bad := range []url.Values{{"x": {"a\nhost evil"}}, {"a b": {"1"}}} {
		if _, err := q.YforConfig(t.Context(), "test", bad); !isInvalid(err) {
			t.Errorf("yfor config with %v: %v, want invalid", bad, err)
		}
	}
	if _, err := q.YforConfig(t.Context(), "missing", nil); !isNotFound(err) {
		t.Errorf("yfor config of a missing host: %v, want not found", err)
	}
}
