package app

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
	eventlog "github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
)

// vhostEvent is a virtual-host event as the handlers write them: server
// names a server of host shop; record says a heartbeat carries its record.
func vhostEvent(t *testing.T, typ, server string, record bool) cloudevents.Event {
	t.Helper()
	raw := fmt.Appendf(nil, `{"name":"shop","id":%q,"tenant":"acme"}`, server)
	if record {
		raw = fmt.Appendf(nil, `{"name":"shop","id":%q,"tenant":"acme","server":{"host":"10.0.0.1","port":8080,"hb":1}}`, server)
	}
	e, err := events.New(events.Outcome{Type: typ, Tenant: "acme", Subject: "acme/vhost/shop"}, raw,
		events.Meta{ID: fmt.Sprintf("ev-%d", time.Now().UnixNano()), Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEventCompactionDropsOnlyDecidedEventsBehindTheBound(t *testing.T) {
	for _, chunk := range []int{compactChunk, 2, 1} {
		t.Run(fmt.Sprintf("chunk %d", chunk), func(t *testing.T) { testEventCompaction(t, chunk) })
	}
}

func testEventCompaction(t *testing.T, chunk int) {
	log, err := eventlog.Open(filepath.Join(t.TempDir(), "events.db"), eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	beat, gone := events.VirtualHostServerHeartbeat, events.VirtualHostServerDeleted
	for _, e := range []cloudevents.Event{
		vhostEvent(t, beat, "s1", true),                     // 1: decided by 3
		vhostEvent(t, beat, "s2", true),                     // 2: decided by 6
		vhostEvent(t, beat, "s1", true),                     // 3: decided by 5
		vhostEvent(t, events.VirtualHostCreated, "", false), // 4: not a server's
		vhostEvent(t, beat, "s1", true),                     // 5: decided by 8, beyond the bound at first
		vhostEvent(t, gone, "s2", false),                    // 6: s2's latest
		vhostEvent(t, beat, "s3", false),                    // 7: no record: decides nothing, stays
		vhostEvent(t, beat, "s1", true),                     // 8
		vhostEvent(t, beat, "s3", true),                     // 9
	} {
		if _, err := log.Commit(t.Context(), "", []cloudevents.Event{e}, nil); err != nil {
			t.Fatal(err)
		}
	}
	bound := uint64(6)
	c := newEventCompactor(log, func() uint64 { return bound })
	c.chunk = chunk
	remaining := func() []uint64 {
		var seqs []uint64
		if _, err := log.Read(t.Context(), 1, 0, func(seq uint64, _ cloudevents.Event) error {
			seqs = append(seqs, seq)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return seqs
	}
	for _, step := range []struct {
		bound   uint64
		dropped int
		left    []uint64
	}{
		{6, 3, []uint64{4, 5, 6, 7, 8, 9}}, // 1 and 3 (s1 by 3 and 5), 2 (s2 by 6)
		{6, 0, []uint64{4, 5, 6, 7, 8, 9}}, // nothing new behind the bound
		{7, 0, []uint64{4, 5, 6, 7, 8, 9}},
		{9, 1, []uint64{4, 6, 7, 8, 9}}, // 5 by 8; 7 has no record and stays
	} {
		bound = step.bound
		n, err := c.compact(t.Context())
		if err != nil || n != step.dropped {
			t.Fatalf("compact behind %d = %d, %v; want %d dropped", step.bound, n, err, step.dropped)
		}
		if got := remaining(); !slices.Equal(got, step.left) {
			t.Fatalf("behind %d the log holds %v, want %v", step.bound, got, step.left)
		}
	}
	// A restart reads the compacted log afresh and finds nothing more.
	again := newEventCompactor(log, func() uint64 { return bound })
	again.chunk = chunk
	if n, err := again.compact(t.Context()); err != nil || n != 0 {
		t.Errorf("a new compactor dropped %d, %v; want nothing", n, err)
	}
	if got := remaining(); !slices.Equal(got, []uint64{4, 6, 7, 8, 9}) {
		t.Errorf("after a restart the log holds %v", got)
	}
}
