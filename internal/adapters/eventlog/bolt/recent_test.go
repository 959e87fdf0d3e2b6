package bolt_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
)

// busEvent is an event as the bus makes them (events.New): the events the
// log holds in memory must read exactly as they do decoded from the file.
func busEvent(t *testing.T, i int) event.Event {
	t.Helper()
	e, err := events.New(events.Outcome{Type: events.VirtualHostServerHeartbeat, Tenant: "acme", Subject: fmt.Sprintf("acme/h/s%d", i)},
		fmt.Appendf(nil, `{"name":"h.example","note":"<b>&amp;</b>","id":"s%d","server":{"host":"10.0.0.1","port":8080,"hb":%d}}`, i, time.Now().UnixMilli()),
		events.Meta{ID: fmt.Sprintf("id-%d", i), Time: time.Now(), CorrelationID: "corr", CausationID: fmt.Sprintf("cmd-%d", i)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRecentEventsReadAsStored: the newest events are read from memory
// (the very values committed, not decoded again), and they equal what the
// same log, reopened, decodes from its file.
func TestRecentEventsReadAsStored(t *testing.T) {
	l, path := tempLog(t)
	var committed []event.Event
	for i := range 20 {
		e := busEvent(t, i)
		committed = append(committed, e)
		if _, err := l.Commit(t.Context(), fmt.Sprintf("cmd-%d", i), []event.Event{e}, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	var live []event.Event
	if _, err := l.Read(t.Context(), 1, 0, func(_ uint64, e event.Event) error { live = append(live, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(live) != len(committed) {
		t.Fatalf("read %d events, want %d", len(live), len(committed))
	}
	for i := range live {
		if live[i].Context != committed[i].Context {
			t.Fatalf("event %d was decoded again, not read from memory", i+1)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	reopened := openLog(t, path, bolt.Options{ReadOnly: true})
	var stored []event.Event
	if _, err := reopened.Read(t.Context(), 1, 0, func(_ uint64, e event.Event) error { stored = append(stored, e); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range stored {
		if !reflect.DeepEqual(live[i], stored[i]) {
			t.Errorf("event %d from memory differs from the stored one:\n%+v\n%+v", i+1, live[i], stored[i])
		}
	}
}

// TestRecentRingFallsBackToTheFile: more events than memory holds read
// back complete and in order, the older ones from the file, also across the
// boundary in one read, and a duplicate command adds none.
func TestRecentRingFallsBackToTheFile(t *testing.T) {
	l, _ := tempLog(t)
	const total = 5000 // more than the log keeps in memory
	for i := 0; i < total; i += 100 {
		if _, err := l.Commit(t.Context(), "", testEvents(t, fmt.Sprint(i), 100), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Commit(t.Context(), "once", testEvents(t, "once", 1), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Commit(t.Context(), "once", testEvents(t, "twice", 1), nil); err == nil {
		t.Fatal("a duplicate command was committed")
	}
	got, next := readAll(t, l, 1, 0)
	if len(got) != total+1 || next != total+2 {
		t.Fatalf("read %d events, next %d; want %d, %d", len(got), next, total+1, total+2)
	}
	for i, s := range got {
		want := fmt.Sprintf("%d-%d", i/100*100, i%100)
		if i == total {
			want = "once-0"
		}
		if s.seq != uint64(i+1) || s.id != want {
			t.Fatalf("event %d is %d %q, want %q", i+1, s.seq, s.id, want)
		}
	}
	across, _ := readAll(t, l, 4000, 1000) // memory holds 4490 on
	if len(across) != 1000 || across[0].seq != 4000 || across[999].seq != 4999 {
		t.Fatalf("read across the boundary: %d events, %v … %v", len(across), across[0], across[len(across)-1])
	}

	if _, err := l.TrimThrough(4990); err != nil {
		t.Fatal(err)
	}
	if rest, _ := readAll(t, l, 1, 0); len(rest) != 11 || rest[0].seq != 4991 {
		t.Fatalf("after trimming through 4990: %d events from %v, want 11 from 4991", len(rest), rest)
	}
}

// TestStoredBytesAsBefore: the log stores an event as its own encoder
// writes it, which is byte for byte what json.Marshal gave (and stored)
// before: compact, HTML characters escaped.
func TestStoredBytesAsBefore(t *testing.T) {
	e := busEvent(t, 1)
	own, err := e.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	std, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(own, std) {
		t.Fatalf("the event's encoder and json.Marshal differ:\n%s\n%s", own, std)
	}
}
