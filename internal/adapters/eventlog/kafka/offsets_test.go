package kafka_test

import (
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/testkit"
)

func TestFeedCloseCommitsWhatItHandled(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	f := startFeed(t, newDB(t), cfg)
	sent := commitEach(t, l, 0, 40, tenants...)
	waitAll(t, f, sent)
	if err := f.stop(t); err != nil {
		t.Fatal(err)
	}

	admin, err := sarama.NewClusterAdmin(k.Brokers, kafka.SaramaConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	committed, err := admin.ListConsumerGroupOffsets(cfg.ConsumerGroup, nil)
	if err != nil {
		t.Fatal(err)
	}
	ends, err := admin.ListOffsets(map[string]map[int32]int64{events.TopicEvents: {
		0: sarama.OffsetNewest, 1: sarama.OffsetNewest, 2: sarama.OffsetNewest, 3: sarama.OffsetNewest,
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for p, end := range ends[events.TopicEvents] {
		got := committed.GetBlock(events.TopicEvents, p)
		if got == nil || got.Offset != end.Offset {
			t.Fatalf("partition %d: committed %+v, end %d", p, got, end.Offset)
		}
	}
}

func TestFeedRefusesATopicBehindItsDatabase(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	db := newDB(t)
	f := startFeed(t, db, cfg)
	sent := commitEach(t, openLog(t, cfg), 0, 20, tenants...)
	waitAll(t, f, sent)
	if err := f.stop(t); err != nil {
		t.Fatal(err)
	}

	// A new, empty cluster stands for the topic deleted and created again.
	k2 := testkit.StartKafka(t)
	cfg2 := config(t, k2)
	openLog(t, cfg2) // creates the topic
	f2 := startFeed(t, db, cfg2)
	select {
	case err := <-f2.done:
		if err == nil || !strings.Contains(err.Error(), "rebuild") {
			t.Fatalf("Run = %v, want an error asking for a rebuild", err)
		}
		f2.done <- err
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept going on a topic behind its database")
	}
	if err := f2.WaitFor(t.Context(), sent[0]); err != nil {
		t.Fatalf("WaitFor an event applied before = %v", err)
	}
}
