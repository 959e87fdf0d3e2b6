package kafka_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	kafkalog "github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/internal/bus"
	kafkaingress "github.com/hypo-registry/registry/internal/ingress/kafka"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/testkit"
)

// Greet is the test command: the handler counts its calls.
type Greet struct {
	handlers.Auth
	Name string `json:"name"`
}

type wire struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

const (
	inTopic    = "test-incoming"
	replyTopic = "test-replies"
	poison     = "test-poison"
)

// translate accepts {"id","name"}; a record without an id cannot be
// answered (poison), one with an id but no name gets an ERROR reply.
func translate(_ context.Context, msg *message.Message) (kafkaingress.Request, error) {
	var w wire
	if err := json.Unmarshal(msg.Payload, &w); err != nil || w.ID == "" {
		return kafkaingress.Request{}, errors.New("not JSON with an id")
	}
	if w.Name == "" {
		return kafkaingress.Request{}, &kafkaingress.Rejection{Reason: "name is required", Reply: []kafkaingress.Outgoing{
			{Topic: replyTopic, Msg: message.NewMessage(watermill.NewUUID(), []byte(`{"id":"`+w.ID+`","status":"ERROR","message":"name is required"}`))},
		}}
	}
	return kafkaingress.Request{
		Command:  &Greet{Auth: handlers.Auth{Caller: handlers.Caller{Subject: "pm", Tenant: "tenant-a"}}, Name: w.Name},
		Envelope: bus.Envelope{Tenant: "tenant-a"},
		Reply: func(r bus.Reply, err error) ([]kafkaingress.Outgoing, error) {
			status := "SUCCESS"
			if err != nil || r.Error != nil {
				status = "ERROR"
			}
			body, _ := json.Marshal(map[string]any{"id": w.ID, "status": status, "data": r.Data})
			return []kafkaingress.Outgoing{{Topic: replyTopic, Msg: message.NewMessage(watermill.NewUUID(), body)}}, nil
		},
	}, nil
}

func TestIngressRoundTripOverKafka(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	calls := &atomic.Int64{}
	b := startBus(t, calls)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	wmLogger := watermill.NewSlogLogger(logger)
	cfg := kafkalog.Config{Brokers: k.Brokers, ConsumerGroup: "ingress-test"}
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: k.Brokers, Marshaler: kafka.DefaultMarshaler{}, OverwriteSaramaConfig: kafkalog.SaramaConfig(cfg)}, wmLogger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: k.Brokers, Unmarshaler: kafka.DefaultMarshaler{}, ConsumerGroup: "ingress-test", OverwriteSaramaConfig: kafkalog.SaramaConfig(cfg)}, wmLogger)
	if err != nil {
		t.Fatal(err)
	}
	in, err := kafkaingress.New(b, pub, poison, logger)
	if err != nil {
		t.Fatal(err)
	}
	router, err := message.NewRouter(message.RouterConfig{}, wmLogger)
	if err != nil {
		t.Fatal(err)
	}
	router.AddConsumerHandler("test-ingress", inTopic, sub, in.Handler(inTopic, translate))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go router.Run(ctx)
	<-router.Running()

	replies := subscribe(t, k.Brokers, replyTopic)
	poisoned := subscribe(t, k.Brokers, poison)
	for _, rec := range []string{`{"id":"r1","name":"ada"}`, `not json`, `{"id":"r2"}`, `{"id":"r3","name":"grace"}`} {
		if err := pub.Publish(inTopic, message.NewMessage(watermill.NewUUID(), []byte(rec))); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]string{}
	for len(got) < 3 {
		select {
		case m := <-replies:
			var r struct{ ID, Status string }
			json.Unmarshal(m.Payload, &r)
			got[r.ID] = r.Status
			m.Ack()
		case <-time.After(20 * time.Second):
			t.Fatalf("replies so far %v", got)
		}
	}
	if got["r1"] != "SUCCESS" || got["r3"] != "SUCCESS" || got["r2"] != "ERROR" {
		t.Errorf("replies = %v", got)
	}
	select {
	case m := <-poisoned:
		if m.Metadata.Get(kafkaingress.MetaPoisonReason) == "" || strings.Contains(string(m.Payload), "not json") {
			t.Errorf("poison record: metadata %v payload %s", m.Metadata, m.Payload)
		}
		m.Ack()
	case <-time.After(20 * time.Second):
		t.Fatal("the unreadable record never reached the poison topic")
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("handler ran %d times, want 2", n)
	}
}

func TestRedeliveredRecordIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	calls := &atomic.Int64{}
	b := startBus(t, calls)
	pub := &capture{}
	in, err := kafkaingress.New(b, pub, poison, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h := in.Handler(inTopic, translate)
	rec := message.NewMessage("same-record", []byte(`{"id":"r1","name":"ada"}`))
	for range 2 {
		if err := h(rec.Copy()); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("handler ran %d times for one record delivered twice", n)
	}
	if len(pub.msgs) != 2 || string(pub.msgs[0].Payload) != string(pub.msgs[1].Payload) {
		t.Errorf("replies differ or missing: %d", len(pub.msgs))
	}
}

type capture struct {
	msgs   []*message.Message
	topics []string
}

func (c *capture) Publish(topic string, msgs ...*message.Message) error {
	for range msgs {
		c.topics = append(c.topics, topic)
	}
	c.msgs = append(c.msgs, msgs...)
	return nil
}

// A translator that panics poisons its record, and the handler returns nil
// so the partition moves on.
func TestPanickingTranslatorPoisonsTheRecord(t *testing.T) {
	t.Parallel()
	b := startBus(t, &atomic.Int64{})
	pub := &capture{}
	in, err := kafkaingress.New(b, pub, poison, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h := in.Handler(inTopic, func(context.Context, *message.Message) (kafkaingress.Request, error) { panic("boom") })
	if err := h(message.NewMessage("r", []byte(`{}`))); err != nil {
		t.Fatalf("handler returned %v, want nil (poisoned)", err)
	}
	if len(pub.msgs) != 1 || pub.topics[0] != poison || !strings.Contains(pub.msgs[0].Metadata.Get(kafkaingress.MetaPoisonReason), "panicked: boom") {
		t.Fatalf("published %v %v", pub.topics, pub.msgs)
	}
}

// On a topic without replies, a refused command is poisoned with the
// refusal; a command that succeeds publishes nothing.
func TestRefusedCommandWithoutReplyIsPoisoned(t *testing.T) {
	t.Parallel()
	calls := &atomic.Int64{}
	b := startBus(t, calls)
	pub := &capture{}
	in, err := kafkaingress.New(b, pub, poison, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	noReply := func(_ context.Context, msg *message.Message) (kafkaingress.Request, error) {
		return kafkaingress.Request{Command: &Greet{Auth: handlers.Auth{Caller: handlers.Caller{Subject: "pm", Tenant: "tenant-a"}}, Name: string(msg.Payload)}}, nil
	}
	h := in.Handler(inTopic, noReply)
	for _, name := range []string{"ada", "refuse"} {
		if err := h(message.NewMessage(name, []byte(name))); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 2 {
		t.Fatalf("handler ran %d times, want 2", calls.Load())
	}
	if len(pub.msgs) != 1 || pub.topics[0] != poison {
		t.Fatalf("published to %v, want one poison record", pub.topics)
	}
	if got := pub.msgs[0].Metadata.Get(kafkaingress.MetaPoisonReason); !strings.Contains(got, "conflict") || !strings.Contains(got, "refused on purpose") {
		t.Errorf("poison reason %q", got)
	}
}

// Outgoing.Key becomes the record key through Marshaler.
func TestOutgoingKeyIsTheRecordKey(t *testing.T) {
	t.Parallel()
	b := startBus(t, &atomic.Int64{})
	pub := &capture{}
	in, err := kafkaingress.New(b, pub, poison, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	keyed := func(context.Context, *message.Message) (kafkaingress.Request, error) {
		return kafkaingress.Request{}, &kafkaingress.Rejection{Reason: "r", Reply: []kafkaingress.Outgoing{
			{Topic: replyTopic, Key: "svc-1", Msg: message.NewMessage("x", []byte(`{}`))}}}
	}
	if err := in.Handler(inTopic, keyed)(message.NewMessage("r", nil)); err != nil {
		t.Fatal(err)
	}
	rec, err := kafkaingress.Marshaler().Marshal(replyTopic, pub.msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := rec.Key.Encode(); string(k) != "svc-1" {
		t.Errorf("record key %q, want svc-1", k)
	}
}
func (c *capture) Close() error { return nil }

func startBus(t *testing.T, calls *atomic.Int64) *bus.Bus {
	t.Helper()
	l, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ring, _ := seal.NewKeyring()
	h, _ := redact.NewHasher([]byte(strings.Repeat("k", 32)))
	b, err := bus.New(bus.Config{}, bus.Deps{Log: l, Sealer: ring, Redactor: h,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	err = bus.Handle(b, "test.greet", func(_ context.Context, g Greet) (handlers.Result, error) {
		n := calls.Add(1)
		if g.Name == "refuse" {
			return handlers.Result{}, fmt.Errorf("%w: refused on purpose", handlers.ErrConflict)
		}
		return handlers.Result{Reply: map[string]any{"hello": g.Name, "call": n}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	<-b.Running()
	t.Cleanup(func() { cancel(); <-done; b.Close(); l.Close() })
	return b
}

func subscribe(t *testing.T, brokers []string, topic string) <-chan *message.Message {
	t.Helper()
	cfg := kafkalog.Config{Brokers: brokers}
	sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: brokers, Unmarshaler: kafka.DefaultMarshaler{},
		ConsumerGroup: "reader-" + topic, OverwriteSaramaConfig: kafkalog.SaramaConfig(cfg)}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); sub.Close() })
	ch, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// failing publishes everything but to one topic.
type failing struct {
	capture
	topic string
	tries int
}

func (f *failing) Publish(topic string, msgs ...*message.Message) error {
	if topic == f.topic {
		f.tries++
		return errors.New("topic authorization failed")
	}
	return f.capture.Publish(topic, msgs...)
}

// A reply that cannot be published is retried a few times, then its
// record is poisoned with the reason: the partition moves on.
func TestUnpublishableReplyIsPoisoned(t *testing.T) {
	t.Parallel()
	b := startBus(t, &atomic.Int64{})
	pub := &failing{topic: replyTopic}
	in, err := kafkaingress.New(b, pub, poison, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Handler(inTopic, translate)(message.NewMessage("r", []byte(`{"id":"r1","name":"ada"}`))); err != nil {
		t.Fatalf("handler returned %v, want nil (poisoned)", err)
	}
	if pub.tries < 2 {
		t.Errorf("the reply was tried %d times, want retries", pub.tries)
	}
	if len(pub.msgs) != 1 || pub.topics[0] != poison || !strings.Contains(pub.msgs[0].Metadata.Get(kafkaingress.MetaPoisonReason), "topic authorization failed") {
		t.Fatalf("published %v", pub.topics)
	}
}
