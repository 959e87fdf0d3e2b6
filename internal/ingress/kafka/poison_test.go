package kafka_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	kafkaingress "github.com/hypo-registry/registry/internal/ingress/kafka"
)

// A poisoned record goes out with its payload withheld and none of its own
// headers: they carry the caller's token, the payload may carry a password.
func TestPoisonedRecordKeepsNothingOfItsOwn(t *testing.T) {
	t.Parallel()
	b := startBus(t, &atomic.Int64{})
	pub := &capture{}
	in, err := kafkaingress.New(b, pub, poison, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	rec := message.NewMessage("r", []byte(`{"password":"hunter2"}`))
	rec.Metadata.Set("Authorization", "Bearer secret-token")
	refuse := func(context.Context, *message.Message) (kafkaingress.Request, error) {
		return kafkaingress.Request{}, errors.New("no serviceId")
	}
	if err := serve(in, refuse)(rec); err != nil {
		t.Fatalf("handler returned %v, want nil (poisoned)", err)
	}
	if len(pub.msgs) != 1 || pub.topics[0] != poison {
		t.Fatalf("published to %v, want one poison record", pub.topics)
	}
	p := pub.msgs[0]
	if string(p.Payload) != `{"redacted":"payload withheld"}` {
		t.Errorf("poison payload %s", p.Payload)
	}
	if keys := slices.Sorted(maps.Keys(p.Metadata)); !slices.Equal(keys, []string{kafkaingress.MetaPoisonReason, kafkaingress.MetaPoisonTopic}) {
		t.Errorf("poison headers %v, want only the reason and the topic", keys)
	}
	if got := p.Metadata.Get(kafkaingress.MetaPoisonReason); got != "no serviceId" {
		t.Errorf("poison reason %q", got)
	}
}

// A record whose consumer stopped before it was answered is neither
// poisoned nor answered: it is left for the next consumer.
func TestStoppedRecordIsNotPoisoned(t *testing.T) {
	t.Parallel()
	b := startBus(t, &atomic.Int64{})
	pub := &capture{}
	in, err := kafkaingress.New(b, pub, poison, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	stopping := func(context.Context, *message.Message) (kafkaingress.Request, error) {
		stop()
		return kafkaingress.Request{}, errors.New("unreadable")
	}
	rec := message.NewMessage("r", []byte(`{}`))
	rec.SetContext(ctx)
	if err := serve(in, stopping)(rec); err == nil {
		t.Fatal("handler returned nil, want the record left unacknowledged")
	}
	if len(pub.msgs) != 0 {
		t.Errorf("published to %v, want nothing", pub.topics)
	}
}
