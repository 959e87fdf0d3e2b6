package bus_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
)

// A caller reads what it can act on; unavailable and internal failures
// never carry their own text, which names backends and storage paths.
func TestPublicMessage(t *testing.T) {
	t.Parallel()
	backend := "vaultstore read image-pull/tenant-a/x: dial tcp 127.0.0.1:8200: connection refused"
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("read: %w: no image-pull secret x", handlers.ErrNotFound), "read: not found: no image-pull secret x"},
		{fmt.Errorf("%w: %s", handlers.ErrUnavailable, backend), "a backend is unavailable; try again"},
		{fmt.Errorf("%w: %w: %s", handlers.ErrUnavailable, handlers.ErrTimeout, backend), "a backend did not answer in time; try again"},
		{errors.New(backend), "internal error"},
	} {
		if got := bus.PublicMessage(tc.err); got != tc.want {
			t.Errorf("PublicMessage(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
