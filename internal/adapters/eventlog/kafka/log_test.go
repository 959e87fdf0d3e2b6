package kafka_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/testkit"
)

var _ bus.OutcomeLog = (*kafka.Log)(nil)

func TestCommitPublishesKeyedByTenant(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	l := openLog(t, config(t, k))
	tenants := []string{"acme", "globex", "", "initech", "umbrella"}
	sent := commitEach(t, l, 0, 50, tenants...)

	recs := consume(t, k.Brokers, events.TopicEvents, len(sent))
	partitionOf := map[string]int32{}
	idsByTenant := map[string][]string{}
	for _, r := range recs {
		if r.ProducerID < 0 {
			t.Fatalf("record %d has no producer id: the producer is not idempotent", r.Offset)
		}
		tenant := header(r, "ce_tenant")
		wantKey := tenant
		if tenant == "" {
			wantKey = kafka.NoTenantKey
		}
		if string(r.Key) != wantKey {
			t.Fatalf("record %s/%d has key %q, want %q", r.Topic, r.Offset, r.Key, wantKey)
		}
		if p, ok := partitionOf[wantKey]; ok && p != r.Partition {
			t.Fatalf("tenant %q in partitions %d and %d", tenant, p, r.Partition)
		}
		partitionOf[wantKey] = r.Partition
		idsByTenant[tenant] = append(idsByTenant[tenant], header(r, "ce_id"))
	}
	// Within a tenant, the topic holds the events in commit order.
	for _, tenant := range tenants {
		var want []string
		for _, e := range sent {
			if ext, _ := e.Extensions()[events.ExtTenant].(string); ext == tenant {
				want = append(want, e.ID())
			}
		}
		if !slices.Equal(idsByTenant[tenant], want) {
			t.Fatalf("tenant %q: topic order %v, commit order %v", tenant, idsByTenant[tenant], want)
		}
	}
	used := map[int32]bool{}
	for _, p := range partitionOf {
		used[p] = true
	}
	if len(used) < 2 {
		t.Fatalf("5 tenants all in partition(s) %v: keys are not spreading", used)
	}
}

func TestReplyRoundTripAndDuplicateCommand(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	ctx := t.Context()

	if _, found, err := l.Reply(ctx, "cmd-1"); err != nil || found {
		t.Fatalf("Reply before Commit = %v, %v; want not found", found, err)
	}
	if _, err := l.Commit(ctx, "cmd-1", []cloudevents.Event{event(t, 1, "acme")}, []byte("sealed-1")); err != nil {
		t.Fatal(err)
	}
	got, found, err := l.Reply(ctx, "cmd-1")
	if err != nil || !found || string(got) != "sealed-1" {
		t.Fatalf("Reply = %q, %v, %v; want sealed-1", got, found, err)
	}
	_, err = l.Commit(ctx, "cmd-1", []cloudevents.Event{event(t, 2, "acme")}, []byte("sealed-2"))
	if !errors.Is(err, kafka.ErrDuplicateCommand) || !errors.Is(err, bolt.ErrDuplicateCommand) {
		t.Fatalf("second Commit = %v, want ErrDuplicateCommand", err)
	}
	// The duplicate published nothing: the next record is the marker.
	commitEach(t, l, 3, 1, "acme")
	recs := consume(t, k.Brokers, events.TopicEvents, 2)
	if ids := []string{header(recs[0], "ce_id"), header(recs[1], "ce_id")}; ids[1] != event(t, 3, "acme").ID() {
		t.Fatalf("topic holds %v: the duplicate was published", ids)
	}

	// Replies outlive the process, and are pruned by age.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openLog(t, cfg)
	if _, found, _ := l.Reply(ctx, "cmd-1"); !found {
		t.Fatal("reply lost across reopen")
	}
	if n, err := l.PruneReplies(time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("PruneReplies(an hour ago) = %d, %v; want 0", n, err)
	}
	if n, err := l.PruneReplies(time.Now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("PruneReplies(now) = %d, %v; want 1", n, err)
	}
	if _, found, _ := l.Reply(ctx, "cmd-1"); found {
		t.Fatal("reply still there after pruning")
	}
}

func TestConcurrentCommitsOfOneCommandPublishOnce(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	l := openLog(t, config(t, k))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			_, err := l.Commit(t.Context(), "cmd-x", []cloudevents.Event{event(t, i, "acme")}, []byte("r"))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var ok, dup int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, kafka.ErrDuplicateCommand):
			dup++
		default:
			t.Fatalf("Commit: %v", err)
		}
	}
	if ok != 1 || dup != 7 {
		t.Fatalf("%d commits succeeded and %d were duplicates, want 1 and 7", ok, dup)
	}
}
