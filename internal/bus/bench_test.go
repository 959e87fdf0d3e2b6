package bus_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/testkit"
)

// memLog keeps replies in memory: the benchmark measures the bus's own
// cost per command, not the event log's fsync (measured in its package).
type memLog struct {
	mu      sync.Mutex
	replies map[string][]byte
	seq     uint64
}

func (l *memLog) Commit(_ context.Context, id string, evs []cloudevents.Event, reply []byte) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if id != "" {
		l.replies[id] = reply
	}
	l.seq += uint64(len(evs))
	return l.seq, nil
}

func (l *memLog) Reply(_ context.Context, id string) ([]byte, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.replies[id]
	return r, ok, nil
}

// BenchmarkDispatch is one command's round trip through the bus: send,
// route, a trivial handler, seal and commit the reply, answer the caller.
func BenchmarkDispatch(b *testing.B) {
	for _, withID := range []bool{false, true} {
		name := "no-command-id"
		if withID {
			name = "command-id"
		}
		b.Run(name, func(b *testing.B) {
			ring, _ := seal.NewKeyring()
			h, _ := redact.NewHasher([]byte(strings.Repeat("k", 32)))
			bs, err := bus.New(bus.Config{}, bus.Deps{Log: &memLog{replies: map[string][]byte{}}, Sealer: ring, Redactor: h,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: prometheus.NewRegistry()})
			if err != nil {
				b.Fatal(err)
			}
			err = bus.Handle(bs, "bench.touch", func(_ context.Context, c Touch) (handlers.Result, error) {
				return handlers.Result{Reply: map[string]any{"secret": c.Secret}}, nil
			})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { _ = bs.Run(ctx); close(done) }()
			<-bs.Running()
			b.Cleanup(func() { cancel(); <-done; bs.Close() })

			cmd := &Touch{Auth: handlers.Auth{Caller: caller}, Secret: "s3cret"}
			b.ReportAllocs()
			b.ResetTimer()
			defer testkit.ReportCPU(b)()
			for i := 0; i < b.N; i++ {
				env := bus.Envelope{Tenant: caller.Tenant}
				if withID {
					env.CommandID = "bench-" + strconv.Itoa(i)
				}
				r, err := bs.Send(context.Background(), cmd, env)
				if err != nil || r.Error != nil || len(r.Data) == 0 {
					b.Fatalf("reply %+v, err %v", r, err)
				}
			}
		})
	}
}
