package bus_test

import (
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/bus"
)

// A transient failure is retried MaxRetries times, each retry after the
// configured backoff: the initial interval, doubled per retry. Watermill's
// Retry draws a backoff for its ShouldRetry hook too; were the bus to use
// that hook, each wait would skip a step (200, 800, 1000 ms here instead of
// 100, 200, 400). The bounds are loose: a timer never fires early, and the
// whole is well under twice the configured sum.
func TestRetryWaitsTheConfiguredBackoff(t *testing.T) {
	t.Parallel()
	cfg := bus.Config{MaxRetries: 3, RetryInitialInterval: 100 * time.Millisecond, RetryMaxInterval: time.Second}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}
	if got := cfg.RetryWait(); got != 700*time.Millisecond {
		t.Fatalf("RetryWait() = %s, want 700ms", got)
	}
	f := start(t, "", cfg)
	r := f.send(t, Touch{FailTimes: 100}, bus.Envelope{})
	if r.Error == nil || r.Error.Kind != bus.KindUnavailable {
		t.Fatalf("reply error %+v, want unavailable after the retries", r.Error)
	}
	f.handler.mu.Lock()
	at := append([]time.Time(nil), f.handler.at...)
	f.handler.mu.Unlock()
	if len(at) != 1+len(want) {
		t.Fatalf("handler ran %d times, want 1 + %d retries", len(at), len(want))
	}
	for i, w := range want {
		if gap := at[i+1].Sub(at[i]); gap < w {
			t.Errorf("retry %d came %s after the attempt before, want at least %s", i+1, gap, w)
		}
	}
	if total := at[len(at)-1].Sub(at[0]); total >= 2*cfg.RetryWait() {
		t.Errorf("retries took %s in total, want under %s (configured %s)", total, 2*cfg.RetryWait(), cfg.RetryWait())
	}
}

// The defaults wait 50, 100 and 200 ms, as the README says, within
// MaxRetryWait; RetryMaxInterval caps each wait.
func TestRetryWaitOfTheDefaults(t *testing.T) {
	t.Parallel()
	if got := (bus.Config{}).WithDefaults().RetryWait(); got != 350*time.Millisecond || got > bus.MaxRetryWait {
		t.Errorf("RetryWait() of the defaults = %s, want 350ms", got)
	}
	capped := bus.Config{MaxRetries: 4, RetryInitialInterval: 100 * time.Millisecond, RetryMaxInterval: 250 * time.Millisecond}
	if got := capped.RetryWait(); got != 100*time.Millisecond+200*time.Millisecond+2*250*time.Millisecond {
		t.Errorf("capped RetryWait() = %s, want 800ms", got)
	}
}
