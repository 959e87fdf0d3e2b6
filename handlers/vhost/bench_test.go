package vhost_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
)

// BenchmarkHeartbeat sends heartbeats of many servers in parallel through
// the bus: handler, event log commit (grouped) and reply.
func BenchmarkHeartbeat(b *testing.B) {
	h := vhosttest.Start(b, vhosttest.Options{})
	if _, err := h.Send(b.Context(), &vhost.CreateVirtualHost{Auth: alice, Name: "bench.example"}, "acme"); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("s%d", n.Add(1)%5000)
			if _, err := h.Send(b.Context(), heartbeat(alice, "bench.example", id, "h.example"), "acme"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
