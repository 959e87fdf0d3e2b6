package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	kafkalog "github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/internal/bus"
	kafkaingress "github.com/hypo-registry/registry/internal/ingress/kafka"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/testkit"
)

// kafkaResult compares a command round trip through kafkaingress and the
// bus with a bare relay on the same Kafka clients.
type kafkaResult struct {
	InFlight int     `json:"inFlight"`
	Command  load    `json:"commandRoundTrip"`
	Bare     load    `json:"bareSaramaRelayRoundTrip"`
	Ratio    float64 `json:"commandToBareThroughputRatio"`
}

// benchEcho is the bench command: its handler answers at once, so what is
// measured is the ingress, the bus and the event log around it.
type benchEcho struct {
	handlers.Auth
	ID string `json:"id"`
}

// benchKafka measures both round trips on one in-process broker, the
// command first.
func benchKafka(ctx context.Context, dir string, logger *slog.Logger, inFlight int, dur time.Duration) (*kafkaResult, error) {
	// As testkit.StartKafka, which needs a testing.TB.
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(testkit.KafkaPartitions))
	if err != nil {
		return nil, fmt.Errorf("start kafka: %w", err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	res := &kafkaResult{InFlight: inFlight}

	b, stopBus, err := startBenchBus(ctx, filepath.Join(dir, "events.db"), logger)
	if err != nil {
		return nil, err
	}
	defer stopBus()
	if res.Command, err = measureRelay(ctx, brokers, "bench-command", logger, inFlight, dur, func(pub message.Publisher, in, reply string) (message.NoPublishHandlerFunc, error) {
		ingress, err := kafkaingress.New(b, pub, "bench-command-poison", logger)
		if err != nil {
			return nil, err
		}
		// The router's middleware too, as registryd installs it.
		return withMiddleware(ingress.Handler(in, echoTranslator(reply)), ingress.Middleware()), nil
	}); err != nil {
		return nil, fmt.Errorf("command round trip: %w", err)
	}
	stopBus()

	if res.Bare, err = measureRelay(ctx, brokers, "bench-bare", logger, inFlight, dur, func(pub message.Publisher, _, reply string) (message.NoPublishHandlerFunc, error) {
		return func(msg *message.Message) error {
			var w requestWire
			if json.Unmarshal(msg.Payload, &w) != nil {
				return nil
			}
			body, _ := json.Marshal(requestWire{ID: w.ID, Status: "SUCCESS"})
			return pub.Publish(reply, message.NewMessage(watermill.NewUUID(), body))
		}, nil
	}); err != nil {
		return nil, fmt.Errorf("bare relay: %w", err)
	}
	res.Ratio = res.Command.RPS / res.Bare.RPS
	return res, nil
}

// measureRelay runs handler (built on the relay's publisher) on the topic
// {name}-in with the production Sarama settings, replying to {name}-reply,
// and measures round trips through it.
func measureRelay(ctx context.Context, brokers []string, name string, logger *slog.Logger, inFlight int, dur time.Duration,
	handler func(pub message.Publisher, in, reply string) (message.NoPublishHandlerFunc, error)) (load, error) {
	rt, stop, err := startRelay(ctx, brokers, name, logger, nil, handler)
	if err != nil {
		return load{}, err
	}
	defer stop()
	return warmAndRun(ctx, inFlight, dur, rt.roundTrip)
}

// startRelay runs handler on the topic name+"-in" behind a watermill-kafka
// subscriber of consumer group name, publishing on name+"-reply", and
// returns a round tripper for it, ready, and how to stop both. request
// builds its records (nil: the round tripper's own {"id"} records).
func startRelay(ctx context.Context, brokers []string, name string, logger *slog.Logger,
	request func(id string) *kgo.Record, handler func(pub message.Publisher, in, reply string) (message.NoPublishHandlerFunc, error)) (*roundTripper, func(), error) {
	in, reply := name+"-in", name+"-reply"
	rt, err := newRoundTripper(brokers, in, reply)
	if err != nil {
		return nil, nil, err
	}
	if request != nil {
		rt.request = request
	}
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	stops = append(stops, rt.close)
	fail := func(err error) (*roundTripper, func(), error) {
		stop()
		return nil, nil, err
	}
	wmLogger := watermill.NewSlogLogger(logger)
	cfg := kafkalog.Config{Brokers: brokers, ConsumerGroup: name}
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{Brokers: brokers, Marshaler: kafka.DefaultMarshaler{}, OverwriteSaramaConfig: kafkalog.SaramaConfig(cfg)}, wmLogger)
	if err != nil {
		return fail(err)
	}
	stops = append(stops, func() { pub.Close() })
	sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{Brokers: brokers, Unmarshaler: kafka.DefaultMarshaler{}, ConsumerGroup: name, OverwriteSaramaConfig: kafkalog.SaramaConfig(cfg)}, wmLogger)
	if err != nil {
		return fail(err)
	}
	stops = append(stops, func() { sub.Close() })
	h, err := handler(pub, in, reply)
	if err != nil {
		return fail(err)
	}
	router, err := message.NewRouter(message.RouterConfig{}, wmLogger)
	if err != nil {
		return fail(err)
	}
	router.AddConsumerHandler(name, in, sub, h)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = router.Run(rctx); close(done) }()
	stops = append(stops, func() { cancel(); <-done })
	<-router.Running()
	if err := rt.ready(); err != nil {
		return fail(err)
	}
	var once sync.Once
	return rt, func() { once.Do(stop) }, nil
}

// echoTranslator turns {"id"} records into benchEcho commands answered on
// reply with {"id","status"}.
func echoTranslator(reply string) kafkaingress.Translator {
	return func(_ context.Context, msg *message.Message) (kafkaingress.Request, error) {
		var w requestWire
		if err := json.Unmarshal(msg.Payload, &w); err != nil || w.ID == "" {
			return kafkaingress.Request{}, errors.New("not JSON with an id")
		}
		caller := handlers.Caller{Subject: "bench", Tenant: benchTenant}
		return kafkaingress.Request{
			Command:  &benchEcho{Auth: handlers.Auth{Caller: caller}, ID: w.ID},
			Envelope: bus.Envelope{Tenant: benchTenant},
			Reply: func(r bus.Reply, err error) ([]kafkaingress.Outgoing, error) {
				status := "SUCCESS"
				if err != nil || r.Error != nil {
					status = "ERROR"
				}
				body, err := json.Marshal(map[string]any{"id": w.ID, "status": status, "data": r.Data})
				if err != nil {
					return nil, err
				}
				return []kafkaingress.Outgoing{{Topic: reply, Msg: message.NewMessage(watermill.NewUUID(), body)}}, nil
			},
		}, nil
	}
}

// startBenchBus runs a bus on an embedded event log at path with the bench
// command registered, as registryd runs its own.
func startBenchBus(ctx context.Context, path string, logger *slog.Logger) (*bus.Bus, func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, err
	}
	l, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		return nil, nil, err
	}
	ring, err := seal.NewKeyring()
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	h, err := redact.NewHasher(key)
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	b, err := bus.New(bus.Config{}, bus.Deps{Log: l, Sealer: ring, Redactor: h, Logger: logger, Metrics: prometheus.NewRegistry()})
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	err = bus.Handle(b, "bench.echo", func(_ context.Context, c benchEcho) (handlers.Result, error) {
		return handlers.Result{Reply: map[string]string{"id": c.ID}}, nil
	})
	if err != nil {
		b.Close()
		l.Close()
		return nil, nil, err
	}
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = b.Run(bctx); close(done) }()
	<-b.Running()
	stop := func() { cancel(); <-done; b.Close(); l.Close() }
	return b, sync.OnceFunc(stop), nil
}

// withMiddleware wraps h in mw, outermost first, as a router would.
func withMiddleware(h message.NoPublishHandlerFunc, mw []message.HandlerMiddleware) message.NoPublishHandlerFunc {
	f := message.HandlerFunc(func(msg *message.Message) ([]*message.Message, error) { return nil, h(msg) })
	for i := len(mw) - 1; i >= 0; i-- {
		f = mw[i](f)
	}
	return func(msg *message.Message) error { _, err := f(msg); return err }
}
