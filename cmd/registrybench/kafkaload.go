package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// roundTripTimeout bounds one request's wait for its reply.
const roundTripTimeout = 30 * time.Second

// requestWire is the bench's request and reply record: the id correlates
// them; a reply says SUCCESS or not.
type requestWire struct {
	ID     string `json:"id"`
	Status string `json:"status,omitempty"`
}

// roundTripper is the Kafka load generator: it produces requests to one
// topic and waits for the reply with the same id on another. The same
// franz-go settings serve every measurement.
type roundTripper struct {
	prod, cons *kgo.Client
	in         string
	prefix     string
	seq        atomic.Uint64
	// request builds the record asking for id; default {"id": id}.
	request func(id string) *kgo.Record

	mu      sync.Mutex
	pending map[string]chan error

	cancel context.CancelFunc
	done   chan struct{}
}

func newRoundTripper(brokers []string, in, reply string) (*roundTripper, error) {
	prod, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ProducerLinger(0), kgo.AllowAutoTopicCreation())
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", err)
	}
	// Create both topics now, so the consumers find them at once.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, topic := range []string{in, reply} {
		if err := prod.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(`{"id":"create-topic"}`)}).FirstErr(); err != nil {
			prod.Close()
			return nil, fmt.Errorf("create topic %s: %w", topic, err)
		}
	}
	cons, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(reply), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		prod.Close()
		return nil, fmt.Errorf("kafka consumer: %w", err)
	}
	rctx, rcancel := context.WithCancel(context.Background())
	rt := &roundTripper{prod: prod, cons: cons, in: in, prefix: in + "-", pending: map[string]chan error{}, cancel: rcancel, done: make(chan struct{})}
	rt.request = func(id string) *kgo.Record {
		value, _ := json.Marshal(requestWire{ID: id})
		return &kgo.Record{Value: value}
	}
	go rt.dispatch(rctx)
	return rt, nil
}

// dispatch hands each reply to the request waiting for it; replies nobody
// waits for (topic creation, a request timed out) are dropped.
func (rt *roundTripper) dispatch(ctx context.Context) {
	defer close(rt.done)
	for {
		fetches := rt.cons.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fetches.EachRecord(func(r *kgo.Record) {
			var w requestWire
			if json.Unmarshal(r.Value, &w) != nil {
				return
			}
			var err error
			if w.Status != "SUCCESS" {
				err = fmt.Errorf("reply status %q", w.Status)
			}
			rt.finish(w.ID, err)
		})
	}
}

func (rt *roundTripper) finish(id string, err error) {
	rt.mu.Lock()
	ch := rt.pending[id]
	delete(rt.pending, id)
	rt.mu.Unlock()
	if ch != nil {
		ch <- err
	}
}

// roundTrip produces one request and waits until its reply is consumed.
func (rt *roundTripper) roundTrip() error {
	id := rt.prefix + strconv.FormatUint(rt.seq.Add(1), 10)
	ch := make(chan error, 1)
	rt.mu.Lock()
	rt.pending[id] = ch
	rt.mu.Unlock()
	rec := rt.request(id)
	// Keyed by id, so requests spread over every partition.
	rec.Topic, rec.Key = rt.in, []byte(id)
	rt.prod.Produce(context.Background(), rec, func(_ *kgo.Record, err error) {
		if err != nil {
			rt.finish(id, fmt.Errorf("produce: %w", err))
		}
	})
	t := time.NewTimer(roundTripTimeout)
	defer t.Stop()
	select {
	case err := <-ch:
		return err
	case <-t.C:
		rt.finish(id, nil)
		return errors.New("no reply within " + roundTripTimeout.String())
	}
}

// ready waits until one request makes the whole round trip: the relay's
// consumer group has joined and every client knows the topics.
func (rt *roundTripper) ready() error {
	deadline := time.Now().Add(time.Minute)
	var err error
	for time.Now().Before(deadline) {
		if err = rt.roundTrip(); err == nil {
			return nil
		}
	}
	return fmt.Errorf("no round trip within a minute: %w", err)
}

func (rt *roundTripper) close() {
	rt.cancel()
	<-rt.done
	rt.cons.Close()
	rt.prod.Close()
}
