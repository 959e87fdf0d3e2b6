package kafka_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ThreeDotsLabs/watermill/message"

	kafkalog "github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/internal/bus"
	kafkaingress "github.com/hypo-registry/registry/internal/ingress/kafka"
	"github.com/hypo-registry/registry/testkit"
)

const consumerGroup = "consumer-test"

// The records of one partition run concurrently, at most InFlight at once:
// with 16 slow requests on one partition and InFlight 8, eight handlers
// run at once (each waits until eight do) and never more.
func TestConsumerRunsRecordsOfAPartitionConcurrently(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	const inFlight = 8
	s := &barrierSender{want: inFlight, all: make(chan struct{})}
	pub := &safeCapture{}
	stop := startConsumer(t, k.Brokers, newIngress(t, s, pub), inFlight)
	recs := produce(t, k.Brokers, 16, func(i int) (string, string) { return "", greeting(i, "q") })
	pub.await(t, len(recs))
	stop(10 * time.Second)
	if got := s.max.Load(); got != inFlight {
		t.Errorf("at most %d handlers ran at once, want %d", got, inFlight)
	}
	if got := testkit.CommittedOffset(t, k.Brokers, consumerGroup, recs[0]); got != recs[len(recs)-1].Offset+1 {
		t.Errorf("committed offset %d, want %d", got, recs[len(recs)-1].Offset+1)
	}
}

// Records with the same key never run at once and run in offset order;
// records with other keys run beside them.
func TestConsumerKeepsTheOrderOfAKey(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	s := &keySender{keys: 3, all: make(chan struct{}), order: map[string][]int{}, active: map[string]bool{}, started: map[string]bool{}}
	pub := &safeCapture{}
	stop := startConsumer(t, k.Brokers, newIngress(t, s, pub), 16)
	recs := produce(t, k.Brokers, 30, func(i int) (string, string) {
		key := fmt.Sprintf("k%d", i%3)
		return key, greeting(i, key)
	})
	pub.await(t, len(recs))
	stop(10 * time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.overlap != "" {
		t.Errorf("two records of key %s ran at once", s.overlap)
	}
	for key, seq := range s.order {
		if !slices.IsSorted(seq) || len(seq) != 10 {
			t.Errorf("key %s ran in order %v, want 10 in offset order", key, seq)
		}
	}
	if s.maxActive != 3 {
		t.Errorf("at most %d records ran at once, want 3 (one per key)", s.maxActive)
	}
}

// A stop lets the records in flight be answered and committed, takes no
// new record, and the next consumer answers the rest: every record once.
func TestConsumerStopAnswersInFlightRecordsOnce(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	calls := &atomic.Int64{}
	b := startBus(t, calls)
	g := newGate()
	pub := &safeCapture{}
	in := newIngress(t, &gatedSender{b: b, gate: g}, pub)
	stop := startConsumer(t, k.Brokers, in, 8)
	first := produce(t, k.Brokers, 4, func(i int) (string, string) { return "", greeting(i, "slow") })
	g.awaitEntered(t, 4)

	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		drained <- in.Drain(ctx)
	}()
	waitDraining(t, in)
	late := produce(t, k.Brokers, 2, func(i int) (string, string) { return "", greeting(10+i, "ada") })
	g.release()
	if err := <-drained; err != nil {
		t.Fatalf("drain: %v", err)
	}
	stop(0)
	for _, id := range ids(first) {
		if n := pub.count(id); n != 1 {
			t.Errorf("record %s in flight at the stop answered %d times before the restart, want 1", id, n)
		}
	}
	for _, id := range ids(late) {
		if n := pub.count(id); n != 0 {
			t.Errorf("record %s arriving during the stop answered %d times, want 0", id, n)
		}
	}
	if got := testkit.CommittedOffset(t, k.Brokers, consumerGroup, first[0]); got != first[len(first)-1].Offset+1 {
		t.Errorf("committed offset %d after the stop, want %d", got, first[len(first)-1].Offset+1)
	}

	stop = startConsumer(t, k.Brokers, newIngress(t, &gatedSender{b: b, gate: openGate()}, pub), 8)
	pub.await(t, 6)
	stop(10 * time.Second)
	for _, id := range ids(append(first, late...)) {
		if n := pub.count(id); n != 1 {
			t.Errorf("record %s answered %d times, want 1", id, n)
		}
	}
	if n := calls.Load(); n != 6 {
		t.Errorf("commands handled %d times, want 6", n)
	}
}

// A record still unanswered when the consumer stops keeps every later
// record of its partition uncommitted, even those answered: the next
// consumer answers it, and the others again from their stored replies
// (the same reply, no second effect).
func TestConsumerNeverCommitsPastAnUnansweredRecord(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	calls := &atomic.Int64{}
	b := startBus(t, calls)
	g := newGate()
	pub := &safeCapture{}
	stop := startConsumer(t, k.Brokers, newIngress(t, &gatedSender{b: b, gate: g}, pub), 8)
	recs := produce(t, k.Brokers, 8, func(i int) (string, string) {
		if i == 0 {
			return "", greeting(i, "slow")
		}
		return "", greeting(i, "ada")
	})
	g.awaitEntered(t, 1)
	pub.await(t, 7)
	stop(100 * time.Millisecond) // cuts the slow record short
	if n := pub.count(ids(recs)[0]); n != 0 {
		t.Fatalf("the record cut short was answered %d times", n)
	}
	if got := testkit.CommittedOffset(t, k.Brokers, consumerGroup, recs[0]); got > recs[0].Offset {
		t.Errorf("committed offset %d, past the unanswered record at %d", got, recs[0].Offset)
	}
	before := pub.payloads()

	stop = startConsumer(t, k.Brokers, newIngress(t, &gatedSender{b: b, gate: openGate()}, pub), 8)
	pub.await(t, 8+7)
	stop(10 * time.Second)
	after := pub.payloads()
	for _, id := range ids(recs)[1:] {
		if n := pub.count(id); n != 2 || after[id][0] != after[id][1] || before[id][0] != after[id][0] {
			t.Errorf("record %s answered %d times (%v), want twice the same reply", id, n, after[id])
		}
	}
	if n := pub.count(ids(recs)[0]); n != 1 {
		t.Errorf("the record cut short answered %d times after the restart, want 1", n)
	}
	if n := calls.Load(); n != 8 {
		t.Errorf("commands handled %d times, want 8 (once per record)", n)
	}
	if got := testkit.CommittedOffset(t, k.Brokers, consumerGroup, recs[0]); got != recs[7].Offset+1 {
		t.Errorf("committed offset %d after every record was answered, want %d", got, recs[7].Offset+1)
	}
}

// A partition taken away by a rebalance gives its records in flight
// RevokeGrace, then leaves them unanswered and unmarked: the partition's
// next owner answers the record cut short, the later ones again from their
// stored replies, and nothing is committed past a gap meanwhile.
func TestConsumerRebalanceNeverSkipsARecord(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	calls := &atomic.Int64{}
	b := startBus(t, calls)
	g := newGate()
	pub := &safeCapture{}
	stopA := startConsumerWith(t, newIngress(t, &gatedSender{b: b, gate: g}, pub),
		kafkaingress.ConsumerConfig{Brokers: k.Brokers, InFlight: 8, RevokeGrace: 100 * time.Millisecond})
	recs := produce(t, k.Brokers, 8, func(i int) (string, string) {
		if i == 0 {
			return "", greeting(i, "slow")
		}
		return "", greeting(i, "ada")
	})
	g.awaitEntered(t, 1)
	pub.await(t, 7)

	// B joining revokes A's partitions; B runs once A gave them up.
	stopB := startConsumer(t, k.Brokers, newIngress(t, &gatedSender{b: b, gate: openGate()}, pub), 8)
	if got := testkit.CommittedOffset(t, k.Brokers, consumerGroup, recs[0]); got > recs[0].Offset {
		t.Errorf("committed offset %d at the rebalance, past the unanswered record at %d", got, recs[0].Offset)
	}
	g.release() // should A get partition 0 back
	pub.await(t, 8+7)
	stopA(10 * time.Second)
	stopB(10 * time.Second)
	for _, id := range ids(recs) {
		if n := pub.count(id); n == 0 {
			t.Errorf("record %s never answered", id)
		}
	}
	if n := pub.count(ids(recs)[0]); n != 1 {
		t.Errorf("the record cut short answered %d times, want 1", n)
	}
	if n := calls.Load(); n != 8 {
		t.Errorf("commands handled %d times, want 8 (once per record)", n)
	}
	if got := testkit.CommittedOffset(t, k.Brokers, consumerGroup, recs[0]); got != recs[7].Offset+1 {
		t.Errorf("committed offset %d, want %d", got, recs[7].Offset+1)
	}
}

// Through the Consumer as under a router: an unreadable record is
// poisoned with its position, one naming whom to answer gets an ERROR.
func TestConsumerPoisonsAndRejectsAsTheRouterDid(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	b := startBus(t, &atomic.Int64{})
	pub := &safeCapture{}
	stop := startConsumer(t, k.Brokers, newIngress(t, b, pub), 8)
	values := []string{`{"id":"r1","name":"ada"}`, `not json sekrit`, `{"id":"r2"}`}
	recs := produce(t, k.Brokers, len(values), func(i int) (string, string) { return "", values[i] })
	pub.await(t, 3)
	stop(10 * time.Second)
	pub.mu.Lock()
	defer pub.mu.Unlock()
	var poisoned *message.Message
	status := map[string]string{}
	for i, m := range pub.msgs {
		if pub.topics[i] == poison {
			poisoned = m
			continue
		}
		var r struct{ ID, Status string }
		json.Unmarshal(m.Payload, &r)
		status[r.ID] = r.Status
	}
	if status["r1"] != "SUCCESS" || status["r2"] != "ERROR" {
		t.Errorf("replies %v, want r1 SUCCESS and r2 ERROR", status)
	}
	if poisoned == nil {
		t.Fatal("the unreadable record was not poisoned")
	}
	md := poisoned.Metadata
	if md.Get(kafkaingress.MetaPoisonTopic) != inTopic || md.Get("partition") != "0" ||
		md.Get("offset") != fmt.Sprint(recs[1].Offset) || md.Get(kafkaingress.MetaPoisonReason) == "" ||
		strings.Contains(string(poisoned.Payload), "sekrit") {
		t.Errorf("poison record %v %s", md, poisoned.Payload)
	}
}

func newIngress(t *testing.T, s kafkaingress.Sender, pub message.Publisher) *kafkaingress.Ingress {
	t.Helper()
	in, err := kafkaingress.New(s, pub, poison, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// startConsumer runs in's Consumer of inTopic until the returned stop,
// which drains in for at most drain, then closes the consumer.
func startConsumer(t *testing.T, brokers []string, in *kafkaingress.Ingress, inFlight int) (stop func(drain time.Duration)) {
	t.Helper()
	return startConsumerWith(t, in, kafkaingress.ConsumerConfig{Brokers: brokers, InFlight: inFlight})
}

// startConsumerWith is startConsumer with more settings.
func startConsumerWith(t *testing.T, in *kafkaingress.Ingress, cfg kafkaingress.ConsumerConfig) (stop func(drain time.Duration)) {
	t.Helper()
	cfg.Group = consumerGroup
	cfg.Sarama = kafkalog.SaramaConfig(kafkalog.Config{Brokers: cfg.Brokers, ConsumerGroup: consumerGroup})
	c, err := in.NewConsumer(cfg, map[string]kafkaingress.Translator{inTopic: translate})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run() }()
	select {
	case <-c.Running():
	case <-time.After(30 * time.Second):
		t.Fatal("the consumer never joined its group")
	}
	var once sync.Once
	stop = func(drain time.Duration) {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), drain)
			defer cancel()
			in.Drain(ctx)
			if err := c.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
	t.Cleanup(func() { stop(0) })
	return stop
}

// produce writes n records to partition 0 of inTopic; at(i) is the key
// and value of the i-th.
func produce(t *testing.T, brokers []string, n int, at func(i int) (key, value string)) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		key, value := at(i)
		recs[i] = &kgo.Record{Topic: inTopic, Partition: 0, Value: []byte(value)}
		if key != "" {
			recs[i].Key = []byte(key)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// greeting is a record value of translate: id "r<i>", name "<name>/<i>".
func greeting(i int, name string) string {
	return fmt.Sprintf(`{"id":"r%d","name":"%s/%d"}`, i, name, i)
}

func ids(recs []*kgo.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		var w wire
		json.Unmarshal(r.Value, &w)
		out[i] = w.ID
	}
	return out
}

func waitDraining(t *testing.T, in *kafkaingress.Ingress) {
	t.Helper()
	for !in.Draining() {
		time.Sleep(time.Millisecond)
	}
}

// safeCapture is capture for concurrent publishers.
type safeCapture struct {
	mu sync.Mutex
	capture
}

func (c *safeCapture) Publish(topic string, msgs ...*message.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.capture.Publish(topic, msgs...)
}

// await waits until n records were published.
func (c *safeCapture) await(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.msgs)
		c.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d records published, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// payloads are the replies published, by id.
func (c *safeCapture) payloads() map[string][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]string{}
	for i, m := range c.msgs {
		if c.topics[i] != replyTopic {
			continue
		}
		var r struct{ ID string }
		json.Unmarshal(m.Payload, &r)
		out[r.ID] = append(out[r.ID], string(m.Payload))
	}
	return out
}

func (c *safeCapture) count(id string) int { return len(c.payloads()[id]) }

// barrierSender answers once want requests run at once (or after a
// minute, so a consumer without concurrency fails rather than hangs),
// counting the most that ran at once.
type barrierSender struct {
	want         int
	running, max atomic.Int64
	all          chan struct{}
	once         sync.Once
}

func (s *barrierSender) Send(ctx context.Context, _ any, _ bus.Envelope) (bus.Reply, error) {
	n := s.running.Add(1)
	defer s.running.Add(-1)
	for m := s.max.Load(); n > m && !s.max.CompareAndSwap(m, n); m = s.max.Load() {
	}
	if n == int64(s.want) {
		s.once.Do(func() { close(s.all) })
	}
	select {
	case <-s.all:
	case <-time.After(time.Minute):
	case <-ctx.Done():
	}
	return bus.Reply{Data: json.RawMessage(`{}`)}, nil
}

// keySender records, per key (the name before "/"), the order requests
// ran in and whether two ran at once.
type keySender struct {
	keys      int
	all       chan struct{}
	once      sync.Once
	mu        sync.Mutex
	order     map[string][]int
	active    map[string]bool
	started   map[string]bool
	overlap   string
	maxActive int
}

func (s *keySender) Send(_ context.Context, cmd any, _ bus.Envelope) (bus.Reply, error) {
	key, seq, _ := strings.Cut(cmd.(*Greet).Name, "/")
	var i int
	fmt.Sscan(seq, &i)
	s.mu.Lock()
	if s.active[key] {
		s.overlap = key
	}
	s.active[key] = true
	s.order[key] = append(s.order[key], i)
	s.maxActive = max(s.maxActive, len(s.active))
	first := !s.started[key]
	s.started[key] = true
	if len(s.started) == s.keys {
		s.once.Do(func() { close(s.all) })
	}
	s.mu.Unlock()
	if first {
		// The first record of each key waits for the others' first: they
		// must be able to run beside it.
		select {
		case <-s.all:
		case <-time.After(time.Minute):
		}
	}
	time.Sleep(2 * time.Millisecond) // room for another record of the key to overlap
	s.mu.Lock()
	delete(s.active, key)
	s.mu.Unlock()
	return bus.Reply{Data: json.RawMessage(`{}`)}, nil
}

// gate holds requests named "slow/…" until released.
type gate struct {
	entered chan struct{}
	open    chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}, 64), open: make(chan struct{})} }

func (g *gate) release() { close(g.open) }

// openGate holds nothing.
func openGate() *gate {
	g := newGate()
	g.release()
	return g
}

func (g *gate) awaitEntered(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-g.entered:
		case <-time.After(30 * time.Second):
			t.Fatal("requests never reached the gate")
		}
	}
}

// gatedSender sends to the bus, holding "slow" requests at the gate.
type gatedSender struct {
	b    *bus.Bus
	gate *gate
}

func (s *gatedSender) Send(ctx context.Context, cmd any, env bus.Envelope) (bus.Reply, error) {
	if strings.HasPrefix(cmd.(*Greet).Name, "slow/") {
		s.gate.entered <- struct{}{}
		select {
		case <-s.gate.open:
		case <-ctx.Done():
			return bus.Reply{}, ctx.Err()
		}
	}
	return s.b.Send(ctx, cmd, env)
}
