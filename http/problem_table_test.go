package rest_test

import (
	"fmt"
	"net/http"
	"testing"

	rest "github.com/hypo-registry/registry/http"
	"github.com/hypo-registry/registry/internal/bus"
)

// REST answers every sentinel of the bus's one list with a status of its
// own: a sentinel added there without a problem type here would be a 500.
func TestEverySentinelHasAStatus(t *testing.T) {
	t.Parallel()
	seen := map[int]string{}
	for _, s := range bus.Sentinels() {
		status := rest.StatusOf(fmt.Errorf("op: %w", s.Err))
		if status == http.StatusInternalServerError {
			t.Errorf("kind %q has no problem type: answered 500", s.Kind)
		}
		if other, dup := seen[status]; dup {
			t.Errorf("kinds %q and %q both answer %d", other, s.Kind, status)
		}
		seen[status] = s.Kind
	}
	if got := rest.StatusOf(fmt.Errorf("op: %w", bus.ErrKeyReused)); got != http.StatusUnprocessableEntity {
		t.Errorf("a reused Idempotency-Key answers %d, want 422 (it wraps ErrConflict)", got)
	}
}
