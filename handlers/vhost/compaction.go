package vhost

import (
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
)

// ServerEntryDecided reports whether e decides, on its own, the projection's
// entry for one server, and names that server: a heartbeat carrying the
// server's record either stores the record over whatever was there or,
// when the host is gone, finds no entry (deleting a host deletes its
// servers), and a server's removal deletes it. Whatever the events before
// such an event did to that entry, the projection ends the same without
// them: an event log may drop a server's earlier deciding events once a
// later one is behind every reader (the app's event compactor), and a
// replay of the projections still gives what the live ones hold
// (TestCompactedLogReplaysToTheLiveProjections). Other events, and
// heartbeats without a record, decide nothing here.
func ServerEntryDecided(e event.Event) (server string, ok bool) {
	switch e.Type() {
	case events.VirtualHostServerHeartbeat, events.VirtualHostServerDeleted:
	default:
		return "", false
	}
	d, err := decodeData(e.Data(), e.Type())
	if err != nil || d.ID == "" || (e.Type() == events.VirtualHostServerHeartbeat && d.Server == nil) {
		return "", false
	}
	return string(serverKey(d.Name, d.ID)), true
}
