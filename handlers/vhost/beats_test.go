package vhost_test

import (
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
)

func catchUp(t *testing.T, h *vhosttest.Harness) {
	t.Helper()
	if err := h.Runner.CatchUp(t.Context()); err != nil {
		t.Fatalf("projections: %v", err)
	}
}

func wantServer(t *testing.T, q *vhost.Queries, name, id, host string, hb int64) {
	t.Helper()
	r, err := q.LiveServer(t.Context(), name, id)
	if err != nil {
		t.Fatalf("server %s of %s: %v", id, name, err)
	}
	if r.Server.Host != host || r.Server.HB != hb {
		t.Fatalf("server %s of %s = %+v, want host %s hb %d", id, name, r.Server, host, hb)
	}
}

// TestHeartbeatReadYourWrites: a heartbeat is answered once its event is
// durable, without waiting for the projection, and this instance's reads
// show it from the answer on: the server, the list, a delete of it. Once
// the projection has applied it, the projection answers alone: a server
// deleted after its heartbeats were applied is gone, not kept alive by
// what this instance remembered.
func TestHeartbeatReadYourWrites(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{HoldProjections: true})
	q := h.Handlers.Queries()
	const name = "ryw.example"
	mustSend(t, h, insecure(alice, name), alice)
	catchUp(t, h)

	t0 := h.Clock.Now().UnixMilli()
	mustSend(t, h, heartbeat(alice, name, "s1", "h1.example"), alice)
	mustSend(t, h, heartbeat(alice, name, "s2", "h2.example"), alice)
	if _, err := h.View.Server(t.Context(), name, "s1"); !isNotFound(err) {
		t.Fatalf("the projection has s1 before it was run (%v): the test shows nothing", err)
	}
	wantServers(t, q, name, "s1", "s2")
	wantServer(t, q, name, "s1", "h1.example", t0)

	h.Clock.Advance(time.Second)
	mustSend(t, h, heartbeat(alice, name, "s1", "h3.example"), alice)
	wantServer(t, q, name, "s1", "h3.example", t0+1000)

	// The delete finds s2, which only this instance shows yet.
	mustSend(t, h, &vhost.DeleteServer{Auth: alice, Name: name, ServerID: "s2"}, alice)
	catchUp(t, h)
	wantServers(t, q, name, "s1")
	wantServer(t, q, name, "s1", "h3.example", t0+1000)

	// Applied, the heartbeats no longer override the projection.
	mustSend(t, h, &vhost.DeleteServer{Auth: alice, Name: name, ServerID: "s1"}, alice)
	catchUp(t, h)
	wantServers(t, q, name)
}

// TestHeartbeatThenHostRecreated: a host deleted and re-created under its
// name does not inherit a server this instance heartbeat into the first.
func TestHeartbeatThenHostRecreated(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{HoldProjections: true})
	q := h.Handlers.Queries()
	const name = "gone.example"
	mustSend(t, h, insecure(alice, name), alice)
	catchUp(t, h)
	mustSend(t, h, heartbeat(alice, name, "s1", "h1.example"), alice)
	wantServers(t, q, name, "s1")
	mustSend(t, h, &vhost.DeleteVirtualHost{Auth: alice, Name: name}, alice)
	catchUp(t, h)
	mustSend(t, h, insecure(alice, name), alice)
	catchUp(t, h)
	wantServers(t, q, name)
}
