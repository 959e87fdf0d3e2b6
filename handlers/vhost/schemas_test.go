package vhost_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
	"github.com/hypo-registry/registry/schemas"
)

// TestEventsMatchTheirSchemas: every virtual-host event, as stored, matches
// the schema of its type; every virtual-host type is reached.
func TestEventsMatchTheirSchemas(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{Config: vhost.Config{CompactAfter: time.Second}})
	mustSend(t, h, secure(alice, "s.example", "alice", "group:ops"), alice)
	mustSend(t, h, &vhost.CreateVirtualHost{Auth: alice, Name: "p.example", Scheme: "https", Port: 443}, alice)
	mustSend(t, h, &vhost.HeartbeatServer{Auth: alice, Name: "p.example", ServerID: "s1", Host: "10.0.0.1", Port: 8080}, alice)
	mustSend(t, h, heartbeat(alice, "p.example", "s2", "h.example"), alice)
	mustSend(t, h, &vhost.GetVirtualHost{Auth: alice, Name: "s.example"}, alice)
	sync(t, h) // a server is deleted once its heartbeat is projected, as REST writes wait for
	mustSend(t, h, &vhost.DeleteServer{Auth: alice, Name: "p.example", ServerID: "s1"}, alice)
	mustSend(t, h, secure(eve, "e.example", "eve"), eve)
	mustSend(t, h, &vhost.RecryptVirtualHosts{Auth: root}, root)
	sync(t, h)
	h.Clock.Advance(time.Hour)
	mustSend(t, h, &vhost.CompactServers{Auth: root}, root)
	mustSend(t, h, &vhost.DeleteVirtualHost{Auth: alice, Name: "s.example"}, alice)
	_, _ = send(t, h, &vhost.DeleteVirtualHost{Auth: mallory, Name: "p.example"}, mallory) // insecure: allowed
	sync(t, h)

	c := schemas.EventCompiler()
	seen := map[string]bool{}
	if _, err := h.Events.Read(t.Context(), 1, 0, func(seq uint64, e event.Event) error {
		if !strings.HasPrefix(e.Type(), "io.hypo.registry.vhost.") {
			return nil
		}
		seen[e.Type()] = true
		s, err := c.Compile(schemas.EventSchemaBase + e.Type() + ".v1.json")
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(e.Data())))
		if err != nil {
			return err
		}
		if err := s.Validate(doc); err != nil {
			t.Errorf("event %d (%s): %v\n%s", seq, e.Type(), err, e.Data())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{events.VirtualHostCreated, events.VirtualHostDeleted, events.VirtualHostRead, events.VirtualHostsRecrypted,
		events.VirtualHostServerHeartbeat, events.VirtualHostServerDeleted, events.VirtualHostServersCompacted} {
		if !seen[typ] {
			t.Errorf("no %s event", typ)
		}
	}
	// The created schema refuses private material in the public record.
	s, err := c.Compile(schemas.EventSchemaBase + events.VirtualHostCreated + ".v1.json")
	if err != nil {
		t.Fatal(err)
	}
	leak := `{"name":"x","id":"i","tenant":"t","actor":"a","virtualHost":{"serverTimeoutSecs":600,"created":1,
		"securityData":{"SelfSignedSSL":{"cert":"-----BEGIN CERTIFICATE-----\nMII","password":"hunter2"}}}}`
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(leak))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(doc); err == nil {
		t.Error("a created event with a password in its public record validates")
	}
}
