package bus

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

type ctxKey struct{}

func receive(t *testing.T, ch <-chan *message.Message) *message.Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed, want a message")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
	}
	return nil
}

func closed(t *testing.T, ch <-chan *message.Message) {
	t.Helper()
	select {
	case m, ok := <-ch:
		if ok {
			t.Fatalf("got %s, want the subscription closed", m.UUID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("subscription not closed")
	}
}

func TestInProcDeliversWithContext(t *testing.T) {
	p := newInProc(4, watermill.NopLogger{})
	defer p.Close()
	a, err := p.Subscribe(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Subscribe(context.Background(), "t")
	other, _ := p.Subscribe(context.Background(), "u")

	msg := message.NewMessage("m1", []byte("payload"))
	msg.Metadata.Set("k", "v")
	msg.SetContext(context.WithValue(context.Background(), ctxKey{}, "carried"))
	if err := p.Publish("t", msg); err != nil {
		t.Fatal(err)
	}
	got := []*message.Message{receive(t, a), receive(t, b)}
	if got[0] != msg {
		t.Error("the first subscription got a copy, want the message itself")
	}
	if got[1] == msg {
		t.Error("the second subscription got the same message, want a copy: Ack and Nack are one-shot")
	}
	for i, m := range got {
		if m.UUID != "m1" || string(m.Payload) != "payload" || m.Metadata.Get("k") != "v" || m.Context().Value(ctxKey{}) != "carried" {
			t.Errorf("subscription %d got %s %q %v ctx %v", i, m.UUID, m.Payload, m.Metadata, m.Context().Value(ctxKey{}))
		}
	}
	select {
	case m := <-other:
		t.Errorf("topic u got %s, published to t", m.UUID)
	default:
	}
	// No subscription: dropped, not blocked.
	if err := p.Publish("nobody", message.NewMessage("m2", nil)); err != nil {
		t.Fatal(err)
	}
}

// A message is delivered once: a Nack does not bring it back.
func TestInProcNackIsNotRedelivered(t *testing.T) {
	p := newInProc(4, watermill.NopLogger{})
	defer p.Close()
	ch, _ := p.Subscribe(context.Background(), "t")
	if err := p.Publish("t", message.NewMessage("m1", nil)); err != nil {
		t.Fatal(err)
	}
	receive(t, ch).Nack()
	select {
	case m := <-ch:
		t.Fatalf("got %s again after its Nack", m.UUID)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestInProcUnsubscribesWhenContextEnds(t *testing.T) {
	p := newInProc(1, watermill.NopLogger{})
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ch, _ := p.Subscribe(ctx, "t")
	// The buffer holds one; the second Publish waits for room until the
	// subscription ends, then returns without delivering.
	if err := p.Publish("t", message.NewMessage("m1", nil)); err != nil {
		t.Fatal(err)
	}
	published := make(chan error, 1)
	go func() { published <- p.Publish("t", message.NewMessage("m2", nil)) }()
	select {
	case err := <-published:
		t.Fatalf("Publish returned (%v) with the buffer full", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-published:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Publish still blocked after the subscription ended")
	}
	if m := receive(t, ch); m.UUID != "m1" {
		t.Fatalf("got %s, want m1", m.UUID)
	}
	closed(t, ch)
	if err := p.Publish("t", message.NewMessage("m3", nil)); err != nil {
		t.Fatal(err)
	}
	if n := len(p.topics); n != 0 {
		t.Errorf("%d topics left, want none", n)
	}
}

func TestInProcClose(t *testing.T) {
	p := newInProc(1, watermill.NopLogger{})
	ch, _ := p.Subscribe(context.Background(), "t")
	_ = p.Publish("t", message.NewMessage("m1", nil))
	published := make(chan error, 1)
	go func() { published <- p.Publish("t", message.NewMessage("m2", nil)) }()
	time.Sleep(20 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-published:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish still blocked after Close")
	}
	receive(t, ch)
	closed(t, ch)
	if err := p.Publish("t", message.NewMessage("m3", nil)); !errors.Is(err, errPubSubClosed) {
		t.Errorf("Publish after Close: %v, want %v", err, errPubSubClosed)
	}
	if _, err := p.Subscribe(context.Background(), "t"); !errors.Is(err, errPubSubClosed) {
		t.Errorf("Subscribe after Close: %v, want %v", err, errPubSubClosed)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Publishers, subscriptions ending and Close at once: no send on a closed
// channel (a panic), no deadlock; run with -race.
func TestInProcConcurrentCloseAndUnsubscribe(t *testing.T) {
	for range 20 {
		p := newInProc(2, watermill.NopLogger{})
		var wg sync.WaitGroup
		var cancels []context.CancelFunc
		for i := range 4 {
			ctx, cancel := context.WithCancel(context.Background())
			cancels = append(cancels, cancel)
			ch, err := p.Subscribe(ctx, "t")
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(2)
			go func() { // a reader that stops reading, then unsubscribes
				defer wg.Done()
				for n := 0; ; n++ {
					if _, ok := <-ch; !ok {
						return
					}
					if n == i {
						cancel()
					}
				}
			}()
			go func() {
				defer wg.Done()
				for j := range 50 {
					if err := p.Publish("t", message.NewMessage(watermill.NewShortUUID(), nil)); err != nil {
						if !errors.Is(err, errPubSubClosed) {
							t.Errorf("publish %d: %v", j, err)
						}
						return
					}
				}
			}()
		}
		time.Sleep(time.Millisecond)
		_ = p.Close()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("deadlock: publishers or readers still running after Close")
		}
		for _, cancel := range cancels {
			cancel()
		}
	}
}
