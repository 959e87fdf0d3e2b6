package app

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink the job's goroutine and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// every runs the job again after a failure, logs each failure under its
// message, and returns once ctx ends, logging nothing for a failure the
// stop caused.
func TestEveryRetriesLogsAndStops(t *testing.T) {
	var out syncBuffer
	logger := slog.New(slog.NewTextHandler(&out, nil))
	ctx, cancel := context.WithCancel(t.Context())
	runs := make(chan int, 10)
	n := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		every(ctx, time.Millisecond, logger, "tidying failed", func(ctx context.Context) error {
			n++
			runs <- n
			if n == 3 {
				cancel()
				return ctx.Err()
			}
			return errors.New("backend down")
		})
	}()
	for want := 1; want <= 3; want++ {
		if got := <-runs; got != want {
			t.Fatalf("run %d, want %d", got, want)
		}
	}
	<-done
	logged := out.String()
	if c := strings.Count(logged, `msg="tidying failed" error="backend down"`); c != 2 {
		t.Fatalf("logged %d failures, want 2 (the third was the stop):\n%s", c, logged)
	}
	if strings.Contains(logged, "context canceled") {
		t.Fatalf("the stop was logged as a failure:\n%s", logged)
	}
}
