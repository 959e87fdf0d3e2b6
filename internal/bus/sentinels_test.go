package bus_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hypo-registry/registry/internal/bus"
)

// Each sentinel is named by its own kind, on the way out (KindOf) and back
// (ReplyError.Err): none is shadowed by one it wraps listed before it
// (ErrKeyReused wraps ErrConflict).
func TestSentinelsRoundTrip(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range bus.Sentinels() {
		if seen[s.Kind] || s.Kind == bus.KindInternal {
			t.Errorf("kind %q listed twice or reserved", s.Kind)
		}
		seen[s.Kind] = true
		err := fmt.Errorf("op: %w", s.Err)
		if got := bus.KindOf(err); got != s.Kind {
			t.Errorf("KindOf(%v) = %q, want %q", err, got, s.Kind)
		}
		back := (&bus.ReplyError{Kind: s.Kind, Message: "m"}).Err()
		if !errors.Is(back, s.Err) || bus.KindOf(back) != s.Kind {
			t.Errorf("kind %q came back as %v (kind %q)", s.Kind, back, bus.KindOf(back))
		}
	}
	if got := bus.KindOf(errors.New("a bug")); got != bus.KindInternal {
		t.Errorf("KindOf(a bug) = %q, want %q", got, bus.KindInternal)
	}
}
