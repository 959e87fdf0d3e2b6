package kafka_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/testkit"
)

// TestKafkaOutageLosesNothing stops the broker: commits keep succeeding into
// the outbox, RelayError, Backlog and RelayLag report the wait, and once a broker is back on the
// same address the relay publishes every event, in order, exactly as
// committed.
func TestKafkaOutageLosesNothing(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	start := func() *kfake.Cluster {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(testkit.KafkaPartitions))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cluster := start()
	k := &testkit.Kafka{Brokers: cluster.ListenAddrs(), Cluster: cluster}
	cfg := config(t, k)
	l := openLog(t, cfg)
	commitEach(t, l, 0, 3, "tenant-a")
	waitRelayed(t, l, 3)

	cluster.Close()
	during := commitEach(t, l, 3, 4, "tenant-a") // must not fail or block
	deadline := time.Now().Add(20 * time.Second)
	for l.RelayError() == nil {
		if time.Now().After(deadline) {
			t.Fatal("RelayError never reported the unreachable broker")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := l.Backlog(); got != 4 {
		t.Errorf("Backlog during the outage = %d, want 4", got)
	}
	// The oldest waiting event is event 3, dated time.Unix(1700000003, 0).
	if lag, err := l.RelayLag(context.Background(), time.Unix(1700000003+60, 0)); err != nil || lag != time.Minute {
		t.Errorf("RelayLag during the outage = %v, %v; want the wait of the oldest event, 1m0s", lag, err)
	}

	cluster = start() // a new, empty broker on the same address
	t.Cleanup(cluster.Close)
	waitRelayed(t, l, 7)
	if err := l.RelayError(); err != nil {
		t.Errorf("RelayError after recovery: %v", err)
	}
	if got := l.Backlog(); got != 0 {
		t.Errorf("Backlog after recovery = %d, want 0", got)
	}
	if lag, err := l.RelayLag(context.Background(), time.Now()); err != nil || lag != 0 {
		t.Errorf("RelayLag after recovery = %v, %v; want 0", lag, err)
	}
	// The new broker lost the first three; the four committed during the
	// outage arrive, in commit order.
	recs := consume(t, k.Brokers, cfg.WithDefaults().EventsTopic, len(during))
	for i, r := range recs {
		if got, want := header(r, "ce_id"), during[i].ID(); got != want {
			t.Errorf("record %d is %s, want %s", i, got, want)
		}
	}
}

func waitRelayed(t *testing.T, l interface{ Relayed() uint64 }, n uint64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for l.Relayed() < n {
		if time.Now().After(deadline) {
			t.Fatalf("relayed %d events, want %d", l.Relayed(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

// TestRelayedEventsAreTrimmedFromTheOutbox commits more than trimEvery
// events: once relayed, the outbox no longer holds them, and the topic has
// every one.
func TestRelayedEventsAreTrimmedFromTheOutbox(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	const n = 1100
	for i := 0; i < n; i += 100 {
		commitEach(t, l, i, 100, "tenant-a")
	}
	waitRelayed(t, l, n)
	if got := consume(t, k.Brokers, cfg.WithDefaults().EventsTopic, n); len(got) != n {
		t.Fatalf("topic holds %d events, want %d", len(got), n)
	}
	l.Close()
	outbox, err := bolt.Open(cfg.OutboxDB, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer outbox.Close()
	left := 0
	if _, err := outbox.Read(context.Background(), 1, 0, func(uint64, cloudevents.Event) error { left++; return nil }); err != nil {
		t.Fatal(err)
	}
	// Trimming happens every 1024 relayed events: at most the last 76 of
	// 1100 may remain.
	if left > n-1024 {
		t.Errorf("outbox still holds %d of %d relayed events, want at most %d", left, n, n-1024)
	}
}

// TestTrimHeldForTheAuditLog: with a hold (the audit log's position), the
// relay trims only what the holder has read, however far it has relayed.
func TestTrimHeldForTheAuditLog(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	const n, held = 1100, 50
	l.HoldTrim(func() uint64 { return held })
	for i := 0; i < n; i += 100 {
		commitEach(t, l, i, 100, "tenant-a")
	}
	waitRelayed(t, l, n)
	l.Close()
	outbox, err := bolt.Open(cfg.OutboxDB, bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer outbox.Close()
	var first uint64
	left := 0
	if _, err := outbox.Read(context.Background(), 1, 0, func(seq uint64, _ cloudevents.Event) error {
		if first == 0 {
			first = seq
		}
		left++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Without the hold the relay would have trimmed about 1024 events.
	if first == 0 || first-1 > held || left != n-int(first-1) {
		t.Errorf("outbox holds %d events from %d, want every event after %d", left, first, held)
	}
}
