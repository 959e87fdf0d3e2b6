package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	eventlog "github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
)

func feedEvent(t *testing.T, i int, typ string, data map[string]any) cloudevents.Event {
	t.Helper()
	e := cloudevents.New()
	e.SetID(fmt.Sprintf("ev-%d", i))
	e.SetSource(events.Source)
	e.SetType(typ)
	e.SetSubject("acme/x")
	e.SetTime(time.Date(2025, 3, 1, 12, 0, i, 0, time.UTC))
	e.SetExtension(events.ExtTenant, "acme")
	if err := e.SetData(cloudevents.ApplicationJSON, data); err != nil {
		t.Fatal(err)
	}
	return e
}

// Given an audit log that stopped after some of the event log's events (a
// crash between the commit and the feed), when the feed runs again, then
// every event is in the audit log exactly once and in order, the heartbeats
// sampled out are not, and a last event sampled out leaves a position
// marker so a restart does not read it again.
// openEventLog opens events.db in dir, closed with the test.
func openEventLog(t *testing.T, dir string) *eventlog.Log {
	t.Helper()
	src, err := eventlog.Open(filepath.Join(dir, "events.db"), eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func TestAuditFeedResumesOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := openEventLog(t, dir)
	beat := map[string]any{"name": "svc", "id": "s1", "server": map[string]any{"host": "10.0.0.1", "hb": 1}}
	commit := func(from, to int, typ string, data map[string]any) {
		for i := from; i <= to; i++ {
			if _, err := src.Commit(t.Context(), "", []cloudevents.Event{feedEvent(t, i, typ, data)}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	commit(1, 10, events.ImagePullSecretCreated, map[string]any{"name": "x"})
	open := func() *auditlog.Log {
		l, err := auditlog.Open(auditlog.Options{Dir: filepath.Join(dir, "audit"), Source: events.Source})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	// The crash: the audit log holds events 1..4 only, appended by a feed
	// before it (and a query's record between them).
	log := open()
	for i := 1; i <= 4; i++ {
		var e cloudevents.Event
		if _, err := src.Read(t.Context(), uint64(i), 1, func(_ uint64, ev cloudevents.Event) error { e = ev; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := log.Append(t.Context(), auditEntry(uint64(i), e)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := log.Append(t.Context(), auditlog.Entry{Time: time.Now(), Type: events.ImagePullSecretRead, Tenant: "acme"}); err != nil {
		t.Fatal(err)
	}
	log.Close()

	run := func(l *auditlog.Log) {
		t.Helper()
		f, err := newAuditFeed(src, l, vhost.AuditConfig{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- f.run(ctx) }()
		wctx, wcancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer wcancel()
		if err := f.waitFor(wctx, src.Last()); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	log = open()
	run(log)
	// Two heartbeats of one server within the sampling interval: the
	// second is left out, and it is the last event.
	commit(11, 12, events.VirtualHostServerHeartbeat, beat)
	run(log)
	if got := log.LastEventSeq(); got != 12 {
		t.Errorf("LastEventSeq = %d, want 12 (the marker of the heartbeat left out)", got)
	}
	log.Close()
	log = open() // a restart reads nothing again
	run(log)
	log.Close()

	var seqs []uint64
	markers := 0
	if err := auditlog.Scan(filepath.Join(dir, "audit"), 1, func(r auditlog.Record) error {
		switch {
		case r.Type == auditPositionType:
			markers++
		case r.EventSeq > 0:
			seqs = append(seqs, r.EventSeq)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	if fmt.Sprint(seqs) != fmt.Sprint(want) || markers != 1 {
		t.Errorf("audit log holds events %v and %d markers, want %v and 1", seqs, markers, want)
	}
	if _, err := auditlog.Verify(filepath.Join(dir, "audit"), nil); err != nil {
		t.Errorf("verify: %v", err)
	}
}

// The feed lets a burst of events gather for its delay and appends them
// with one fdatasync; a caller of waitFor does not wait for the delay.
func TestAuditFeedGathersForItsDelay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := openEventLog(t, dir)
	l, err := auditlog.Open(auditlog.Options{Dir: filepath.Join(dir, "audit"), Source: events.Source})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := newAuditFeed(src, l, vhost.AuditConfig{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	f.delay.Set(time.Second) // longer than the burst's commits take
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	commit := func(i int) {
		t.Helper()
		e := feedEvent(t, i, events.ImagePullSecretCreated, map[string]any{"name": "x"})
		if _, err := src.Commit(t.Context(), "", []cloudevents.Event{e}, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitSeq := func(seq uint64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for l.LastEventSeq() < seq && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := l.LastEventSeq(); got != seq {
			t.Fatalf("LastEventSeq = %d, want %d", got, seq)
		}
	}
	// After an append the feed waits for the delay: a burst committed
	// then is appended at once.
	commit(1)
	waitSeq(1)
	before := l.Stats().Batches
	for i := 2; i <= 11; i++ {
		commit(i)
	}
	waitSeq(11)
	if b := l.Stats().Batches - before; b != 1 {
		t.Errorf("the burst of 10 events took %d appends, want 1", b)
	}

	// The feed is inside the delay that followed the burst's append, a
	// second long: waitFor gets the next event in far less.
	commit(12)
	time.Sleep(100 * time.Millisecond)
	wctx, wcancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer wcancel()
	if err := f.waitFor(wctx, 12); err != nil {
		t.Fatalf("waitFor did not cut the delay short: %v", err)
	}
}
