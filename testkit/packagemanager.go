package testkit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// PackageManager is a Package-Manager-like Kafka client for tests: franz-go,
// sharing no code with the service's watermill/Sarama clients, so the wire
// is checked by an independent implementation. It produces records with
// headers and reads the reply topics from their start.
type PackageManager struct {
	prod *kgo.Client
	cons *kgo.Client

	mu      sync.Mutex
	records map[string][]*kgo.Record
	changed chan struct{}
}

// NewPackageManager connects to brokers and starts reading replyTopics.
func NewPackageManager(t testing.TB, brokers []string, replyTopics ...string) *PackageManager {
	t.Helper()
	// Kafka 3.9's request versions: OffsetCommit names topics by name, not
	// by topic id (RewindGroup).
	prod, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.AllowAutoTopicCreation(), kgo.ProducerLinger(0),
		kgo.MaxVersions(kversion.V3_9_0()))
	if err != nil {
		t.Fatalf("package manager producer: %v", err)
	}
	cons, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.AllowAutoTopicCreation(),
		kgo.ConsumeTopics(replyTopics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond), kgo.MetadataMinAge(100*time.Millisecond))
	if err != nil {
		prod.Close()
		t.Fatalf("package manager consumer: %v", err)
	}
	p := &PackageManager{prod: prod, cons: cons, records: map[string][]*kgo.Record{}, changed: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fetches := cons.PollFetches(ctx)
			fetches.EachRecord(func(r *kgo.Record) {
				p.mu.Lock()
				p.records[r.Topic] = append(p.records[r.Topic], r)
				close(p.changed)
				p.changed = make(chan struct{})
				p.mu.Unlock()
			})
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		cons.Close()
		prod.Close()
	})
	return p
}

// Send produces one record and waits until the broker has it; the record
// returned carries its partition and offset. headers alternate name, value.
func (p *PackageManager) Send(t testing.TB, topic, key string, value []byte, headers ...string) *kgo.Record {
	t.Helper()
	rec := &kgo.Record{Topic: topic, Value: value}
	if key != "" {
		rec.Key = []byte(key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: headers[i], Value: []byte(headers[i+1])})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.prod.ProduceSync(ctx, rec).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
	return rec
}

// Await returns the first n records of topic that match, failing the test
// if they do not all arrive within timeout.
func (p *PackageManager) Await(t testing.TB, topic string, n int, timeout time.Duration, match func(*kgo.Record) bool) []*kgo.Record {
	t.Helper()
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		var got []*kgo.Record
		for _, r := range p.records[topic] {
			if match(r) {
				got = append(got, r)
			}
		}
		changed := p.changed
		p.mu.Unlock()
		if len(got) >= n {
			return got[:n]
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%s: %d of %d matching records within %s", topic, len(got), n, timeout)
			return nil
		}
	}
}

// Records returns every record read from topic so far.
func (p *PackageManager) Records(topic string) []*kgo.Record {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*kgo.Record(nil), p.records[topic]...)
}

// Header returns the value of the record header key, "" when absent.
func Header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// RewindGroup commits offset for group on topic's partition, as an
// operator's offset reset does, so the group's next member consumes from
// there again. The group must have no members (its consumers stopped).
func (p *PackageManager) RewindGroup(t testing.TB, group, topic string, partition int32, offset int64) {
	t.Helper()
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group, req.Generation = group, -1
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewOffsetCommitRequestTopicPartition()
	rp.Partition, rp.Offset = partition, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, p.prod)
	if err != nil {
		t.Fatalf("rewind %s: %v", group, err)
	}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				t.Fatalf("rewind %s %s/%d: %v", group, rt.Topic, rp.Partition, err)
			}
		}
	}
}
