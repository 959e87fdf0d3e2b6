package vaultconn_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
	"github.com/hypo-registry/registry/testkit"
)

func health(ctx context.Context, c *api.Client) error {
	_, err := c.Sys().HealthWithContext(ctx)
	if err != nil {
		return vaultconn.NoAnswer(err)
	}
	return nil
}

// TestGuard against a real Vault, hung with SIGSTOP: a request it leaves
// unanswered fails at the timeout, the next at once (held off, never sent),
// and neither error names the request's URL. A caller giving up early does
// not hold anyone off.
func TestGuard(t *testing.T) {
	t.Parallel()
	v := testkit.StartVault(t, nil)
	const timeout = 500 * time.Millisecond
	c, err := vaultconn.NewClient(vaultconn.Options{Addr: v.Addr, Timeout: timeout, Token: v.RootToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := health(t.Context(), c); err != nil {
		t.Fatalf("health: %v", err)
	}

	v.Pause(t)
	start := time.Now()
	err = health(t.Context(), c)
	var stall *vaultconn.StallError
	if took := time.Since(start); !errors.As(err, &stall) || stall.NotSent || took < timeout || took > timeout+time.Second {
		t.Errorf("health with Vault hung: %v after %s, want a StallError after %s", err, took, timeout)
	}
	start = time.Now()
	err = health(t.Context(), c)
	if took := time.Since(start); !errors.As(err, &stall) || !stall.NotSent || took > timeout/2 {
		t.Errorf("health right after a timeout: %v after %s, want a StallError, not sent", err, took)
	}
	if !errors.Is(err, handlers.ErrUnavailable) || strings.Contains(err.Error(), "/v1/") {
		t.Errorf("error %q: want ErrUnavailable without the request's URL", err)
	}

	time.Sleep(vaultconn.HoldOff)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	if err := health(ctx, c); !errors.Is(err, context.Canceled) || errors.As(err, &stall) {
		t.Errorf("health cancelled by its caller: %v, want context.Canceled", err)
	}
	v.Resume(t)
	if err := health(t.Context(), c); err != nil {
		t.Errorf("health after Vault continued: %v; a caller's cancel must not hold requests off", err)
	}
}
