package batchdelay

import (
	"context"
	"testing"
	"time"
)

func TestPause(t *testing.T) {
	t.Parallel()
	if !New(0).Pause(t.Context()) {
		t.Fatal("a zero delay ended as if cancelled")
	}
	g := New(50 * time.Millisecond)
	began := time.Now()
	if !g.Pause(t.Context()) || time.Since(began) < 50*time.Millisecond {
		t.Fatalf("Pause returned after %s, want the whole 50ms", time.Since(began))
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if New(time.Hour).Pause(ctx) {
		t.Fatal("Pause on an ended context reported true")
	}
}

// A waiter ends a pause under way, and while it waits there is none.
func TestWaitCutsThePauseShort(t *testing.T) {
	t.Parallel()
	g := New(time.Hour)
	paused := make(chan bool, 1)
	go func() { paused <- g.Pause(t.Context()) }()
	time.Sleep(20 * time.Millisecond) // inside the pause by now
	done := g.Wait()
	select {
	case ok := <-paused:
		if !ok {
			t.Fatal("Pause reported its context ended")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not end the pause")
	}
	began := time.Now()
	for range 3 { // the wake-up Wait left is drained; the count still holds
		if !g.Pause(t.Context()) {
			t.Fatal("Pause reported its context ended")
		}
	}
	if d := time.Since(began); d > time.Second {
		t.Fatalf("Pause while a caller waits took %s", d)
	}
	done()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	if g.Pause(ctx) {
		t.Fatal("Pause after the waiter left did not wait (its context ended first)")
	}
}
