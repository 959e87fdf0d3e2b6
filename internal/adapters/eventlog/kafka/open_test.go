package kafka_test

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
)

func TestOpenFailsFastNamingTheBroker(t *testing.T) {
	t.Parallel()
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()
	// A port that accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		silent.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	tests := []struct {
		name   string
		broker string
	}{
		{"connection refused", refused},
		{"broker never answers", silent.Addr().String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := kafka.Config{Brokers: []string{tt.broker}, OutboxDB: t.TempDir() + "/r.db", DialTimeout: 500 * time.Millisecond}
			start := time.Now()
			l, err := kafka.Open(t.Context(), cfg, logger())
			took := time.Since(start)
			if err == nil {
				l.Close()
				t.Fatal("Open succeeded")
			}
			t.Logf("Open failed after %s: %v", took.Round(time.Millisecond), err)
			if !strings.Contains(err.Error(), tt.broker) {
				t.Fatalf("error %q does not name %s", err, tt.broker)
			}
			if took > 2*cfg.DialTimeout {
				t.Fatalf("Open took %s, DialTimeout is %s", took, cfg.DialTimeout)
			}
		})
	}
}
