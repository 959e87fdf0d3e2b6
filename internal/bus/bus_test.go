package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/testkit"
)

// Touch is a test command: its handler counts calls and fails as told.
type Touch struct {
	handlers.Auth
	Secret    string `json:"secret"`
	FailTimes int    `json:"failTimes"` // transient failures before success
	Refuse    bool   `json:"refuse"`    // a domain error
	Panic     bool   `json:"panic"`
	TimedOut  bool   `json:"timedOut"` // a backend timeout: transient, not retried
}

type touchHandler struct {
	calls atomic.Int64
	mu    sync.Mutex
	at    []time.Time // when each call began
}

func (h *touchHandler) handle(_ context.Context, c Touch) (handlers.Result, error) {
	h.mu.Lock()
	h.at = append(h.at, time.Now())
	h.mu.Unlock()
	n := h.calls.Add(1)
	switch {
	case c.Panic:
		panic("handler bug")
	case c.TimedOut:
		return handlers.Result{}, fmt.Errorf("touch: %w: %w", handlers.ErrUnavailable, handlers.ErrTimeout)
	case c.Refuse:
		return handlers.Result{}, fmt.Errorf("touch: %w: no such thing", handlers.ErrNotFound)
	case int(n) <= c.FailTimes:
		return handlers.Result{}, fmt.Errorf("touch: %w: backend down", handlers.ErrUnavailable)
	}
	return handlers.Result{
		Events: []events.Outcome{{Type: "io.hypo.registry.test.touched", Tenant: c.Caller.Tenant, Subject: c.Caller.Tenant + "/touch",
			Data: map[string]any{"name": "touch", "secret": c.Secret}}},
		Reply: map[string]any{"calls": n, "secret": c.Secret},
	}, nil
}

type fixture struct {
	bus     *bus.Bus
	log     *bolt.Log
	handler *touchHandler
	poison  <-chan *message.Message
	metrics *prometheus.Registry
}

func start(t *testing.T, logPath string, cfg bus.Config) *fixture {
	t.Helper()
	return startWith(t, logPath, cfg, nil)
}

// startWith is start with more handlers, registered by register before the
// bus runs; it gets the log the fixture will hold.
func startWith(t *testing.T, logPath string, cfg bus.Config, register func(*bus.Bus, *bolt.Log) error) *fixture {
	t.Helper()
	poisonPS := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 16, Persistent: true}, nil)
	poison, err := poisonPS.Subscribe(context.Background(), events.TopicPoison)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { poisonPS.Close() })
	f := startPoisoning(t, logPath, cfg, register, poisonPS)
	f.poison = poison
	return f
}

// startPoisoning is startWith with poisoned commands published to sink.
func startPoisoning(t *testing.T, logPath string, cfg bus.Config, register func(*bus.Bus, *bolt.Log) error, sink message.Publisher) *fixture {
	t.Helper()
	if logPath == "" {
		logPath = filepath.Join(t.TempDir(), "events.db")
	}
	l, err := bolt.Open(logPath, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ring, _ := seal.NewKeyring()
	h, _ := redact.NewHasher([]byte(strings.Repeat("k", 32)))
	reg := prometheus.NewRegistry()
	b, err := bus.New(cfg, bus.Deps{Log: l, Sealer: ring, Redactor: h, Poison: sink,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	th := &touchHandler{}
	if err := bus.Handle(b, "test.touch", th.handle); err != nil {
		t.Fatal(err)
	}
	if register != nil {
		if err := register(b, l); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = b.Run(ctx); close(done) }()
	<-b.Running()
	t.Cleanup(func() {
		cancel()
		<-done
		b.Close()
		l.Close()
	})
	return &fixture{bus: b, log: l, handler: th, metrics: reg}
}

var caller = handlers.Caller{Subject: "alice", Tenant: "tenant-a", Token: "jwt-canary-token"}

func (f *fixture) send(t *testing.T, cmd Touch, env bus.Envelope) bus.Reply {
	t.Helper()
	cmd.Caller = caller
	r, err := f.bus.Send(context.Background(), &cmd, env)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	return r
}

func (f *fixture) events(t *testing.T) []cloudevents.Event {
	t.Helper()
	var evs []cloudevents.Event
	if _, err := f.log.Read(context.Background(), 1, 0, func(_ uint64, e cloudevents.Event) error {
		evs = append(evs, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return evs
}

func fast() bus.Config {
	return bus.Config{RetryInitialInterval: time.Millisecond, RetryMaxInterval: 5 * time.Millisecond, MaxRetries: 3}
}

func TestSuccessCommitsEventsAndReplies(t *testing.T) {
	t.Parallel()
	f := start(t, "", fast())
	r := f.send(t, Touch{Secret: "s3cr3t-value"}, bus.Envelope{CorrelationID: "corr-1", Tenant: "tenant-a"})
	if r.Error != nil || !strings.Contains(string(r.Data), "s3cr3t-value") {
		t.Fatalf("reply = %+v (data %s)", r.Error, r.Data)
	}
	evs := f.events(t)
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	e := evs[0]
	if e.Type() != "io.hypo.registry.test.touched" || e.Source() != events.Source ||
		events.StringExtension(e, events.ExtTenant) != "tenant-a" || events.StringExtension(e, events.ExtCorrelationID) != "corr-1" ||
		events.StringExtension(e, events.ExtCausationID) == "" {
		t.Errorf("event = %v", e)
	}
	if strings.Contains(string(e.Data()), "s3cr3t-value") || !strings.Contains(string(e.Data()), "hmac-sha256:") {
		t.Errorf("event data must carry the HMAC, not the value: %s", e.Data())
	}
}

func TestDomainErrorIsRejectedOnce(t *testing.T) {
	t.Parallel()
	f := start(t, "", fast())
	r := f.send(t, Touch{Refuse: true}, bus.Envelope{})
	if r.Error == nil || r.Error.Kind != bus.KindNotFound || !errors.Is(r.Error.Err(), handlers.ErrNotFound) {
		t.Fatalf("reply error = %+v, want not_found", r.Error)
	}
	if n := f.handler.calls.Load(); n != 1 {
		t.Errorf("handler ran %d times: a domain error must not be retried", n)
	}
	evs := f.events(t)
	if len(evs) != 1 || evs[0].Type() != events.CommandRejected {
		t.Fatalf("events = %v, want one command.rejected", evs)
	}
}

func TestTransientErrorIsRetried(t *testing.T) {
	t.Parallel()
	f := start(t, "", fast())
	r := f.send(t, Touch{FailTimes: 2}, bus.Envelope{})
	if r.Error != nil {
		t.Fatalf("reply error %+v, want success after retries", r.Error)
	}
	if n := f.handler.calls.Load(); n != 3 {
		t.Errorf("handler ran %d times, want 3 (2 failures, 1 success)", n)
	}
}

// A backend that left a request unanswered for its whole timeout is
// answered unavailable at once: a retry would wait it out again.
func TestTimeoutIsNotRetried(t *testing.T) {
	t.Parallel()
	f := start(t, "", fast())
	r := f.send(t, Touch{TimedOut: true}, bus.Envelope{})
	if r.Error == nil || r.Error.Kind != bus.KindUnavailable {
		t.Fatalf("reply error %+v, want unavailable", r.Error)
	}
	if n := f.handler.calls.Load(); n != 1 {
		t.Errorf("handler ran %d times: a timeout must not be retried", n)
	}
}

func TestRetriesExhaustedGoToPoisonRedacted(t *testing.T) {
	t.Parallel()
	f := start(t, "", fast())
	r := f.send(t, Touch{FailTimes: 100, Secret: "poison-canary"}, bus.Envelope{Tenant: "tenant-a"})
	if r.Error == nil || r.Error.Kind != bus.KindUnavailable {
		t.Fatalf("reply error %+v, want unavailable", r.Error)
	}
	if n := f.handler.calls.Load(); n != 4 {
		t.Errorf("handler ran %d times, want 1 + 3 retries", n)
	}
	select {
	case m := <-f.poison:
		if strings.Contains(string(m.Payload), "poison-canary") || strings.Contains(string(m.Payload), caller.Token) {
			t.Errorf("poison payload carries a secret: %s", m.Payload)
		}
		if m.Metadata.Get("reason_poisoned") == "" {
			t.Errorf("poison message has no reason: %v", m.Metadata)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing reached the poison topic")
	}
	evs := f.events(t)
	if len(evs) != 1 || evs[0].Type() != events.CommandFailed || events.StringExtension(evs[0], events.ExtTenant) != "tenant-a" {
		t.Fatalf("events = %v, want one command.failed for tenant-a", evs)
	}
}

// refusingSink is a poison topic that refuses every message.
type refusingSink struct{ tries atomic.Int64 }

func (s *refusingSink) Publish(string, ...*message.Message) error {
	s.tries.Add(1)
	return errors.New("poison topic unreachable")
}

func (s *refusingSink) Close() error { return nil }

// A command the poison topic refuses is not handled again: its failed
// event is its record. (watermill's GoChannel redelivered it on the
// router's Nack, at once and for as long as the poison topic refused.)
func TestPoisonRefusedCommandIsNotRepeated(t *testing.T) {
	t.Parallel()
	sink := &refusingSink{}
	f := startPoisoning(t, "", fast(), nil, sink)
	r := f.send(t, Touch{FailTimes: 100}, bus.Envelope{Tenant: "tenant-a"})
	if r.Error == nil || r.Error.Kind != bus.KindUnavailable {
		t.Fatalf("reply error %+v, want unavailable", r.Error)
	}
	testkit.Eventually(t, 5*time.Second, "the poison topic tried", func() bool { return sink.tries.Load() > 0 })
	time.Sleep(200 * time.Millisecond) // a redelivery would run within this
	if n := f.handler.calls.Load(); n != 4 {
		t.Errorf("handler ran %d times, want 1 + 3 retries and no redelivery", n)
	}
	if n := sink.tries.Load(); n != 1 {
		t.Errorf("poison topic tried %d times, want once", n)
	}
	if evs := f.events(t); len(evs) != 1 || evs[0].Type() != events.CommandFailed {
		t.Fatalf("events = %v, want one command.failed", evs)
	}
}

func TestPanicIsAnsweredNotCrashed(t *testing.T) {
	t.Parallel()
	f := start(t, "", fast())
	r := f.send(t, Touch{Panic: true}, bus.Envelope{})
	if r.Error == nil || r.Error.Kind != bus.KindInternal || strings.Contains(r.Error.Message, "handler bug") {
		t.Fatalf("reply error %+v, want a generic internal error", r.Error)
	}
	if n := f.handler.calls.Load(); n != 1 {
		t.Errorf("handler ran %d times: a panic must not be retried", n)
	}
	if r := f.send(t, Touch{}, bus.Envelope{}); r.Error != nil {
		t.Fatalf("bus unusable after a panic: %+v", r.Error)
	}
}

func TestRedeliveredCommandGetsSameReplyWithoutSecondEffect(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	f := start(t, path, fast())
	env := bus.Envelope{CommandID: "cmd-42"}
	first := f.send(t, Touch{Secret: "v1"}, env)
	second := f.send(t, Touch{Secret: "v1"}, env)
	if string(first.Data) != string(second.Data) {
		t.Errorf("replies differ: %s vs %s", first.Data, second.Data)
	}
	if n := f.handler.calls.Load(); n != 1 {
		t.Errorf("handler ran %d times for one command id", n)
	}
	if n := len(f.events(t)); n != 1 {
		t.Errorf("%d events for one command", n)
	}
	var reply map[string]any
	if err := json.Unmarshal(first.Data, &reply); err != nil || reply["calls"] != float64(1) {
		t.Errorf("reply = %s", first.Data)
	}
	// Concurrent redeliveries also run the handler once.
	done := make(chan bus.Reply, 8)
	for range 8 {
		go func() { done <- f.send(t, Touch{}, bus.Envelope{CommandID: "cmd-concurrent"}) }()
	}
	for range 8 {
		if r := <-done; r.Error != nil {
			t.Errorf("concurrent duplicate: %+v", r.Error)
		}
	}
	if n := f.handler.calls.Load(); n != 2 {
		t.Errorf("handler ran %d times, want 2 (one per distinct command id)", n)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]bus.Config{
		"handler timeout above reply timeout": {ReplyTimeout: time.Second, HandlerTimeout: 2 * time.Second},
		"too many retries":                    {MaxRetries: 50},
		"retries waiting over a second":       {MaxRetries: 5, RetryInitialInterval: 100 * time.Millisecond},
	} {
		_, err := bus.New(cfg, bus.Deps{})
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
