package kafka_test

import (
	"testing"

	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/testkit"
)

func TestFeedSendsGarbageToPoisonAndCarriesOn(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	db := newDB(t)
	f := startFeed(t, db, cfg)

	before := commitEach(t, l, 0, 1, "acme")
	// Keyed like acme's events: franz-go's default partitioner is murmur2,
	// as is the Log's, so the garbage sits in acme's partition between its
	// events.
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	garbage := &kgo.Record{Topic: events.TopicEvents, Key: []byte("acme"), Value: []byte("not a CloudEvent"),
		Headers: []kgo.RecordHeader{{Key: "ce_id", Value: []byte("half-an-event")}}}
	if err := cl.ProduceSync(t.Context(), garbage).FirstErr(); err != nil {
		t.Fatal(err)
	}
	after := commitEach(t, l, 1, 1, "acme")
	waitAll(t, f, after)

	assertAppliedOnce(t, db, append(before, after...))
	if s := f.Stats(); s.Poisoned != 1 || s.Applied != 2 {
		t.Fatalf("stats = %+v, want 1 poisoned and 2 applied", s)
	}
	recs := consume(t, k.Brokers, events.TopicPoison, 1)
	p := recs[0]
	if string(p.Value) != "not a CloudEvent" {
		t.Fatalf("poison payload = %q", p.Value)
	}
	if header(p, middleware.ReasonForPoisonedKey) == "" || header(p, middleware.PoisonedTopicKey) != events.TopicEvents {
		t.Fatalf("poison record lacks reason or topic: %v", p.Headers)
	}
	if header(p, kafka.PoisonedPartitionKey) == "" || header(p, kafka.PoisonedOffsetKey) != "1" {
		t.Fatalf("poison record names partition %q offset %q, want offset 1",
			header(p, kafka.PoisonedPartitionKey), header(p, kafka.PoisonedOffsetKey))
	}
}
