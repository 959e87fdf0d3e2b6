package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// Exchanged tokens are reused per credentials until the cache TTL; wrong
// credentials are 401-kind, an issuer that fails is 503-kind (fail closed).
func TestBasicExchangerCachesAndFailsClosed(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if down.Load() {
			http.Error(w, "boom", http.StatusBadGateway)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok || r.FormValue("grant_type") != "client_credentials" || id != "bot" || secret != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"tok-` + time.Now().Format(time.RFC3339Nano) + `","expires_in":300}`))
	}))
	t.Cleanup(srv.Close)
	b, err := auth.NewBasicExchanger(srv.URL, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := b.Token(ctx, "bot", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Token(ctx, "bot", "s3cret")
	if err != nil || second != first || calls.Load() != 1 {
		t.Errorf("second call: %q %v after %d exchanges, want the cached token after 1", second, err, calls.Load())
	}
	if _, err := b.Token(ctx, "bot", "wrong"); !errors.Is(err, handlers.ErrUnauthenticated) {
		t.Errorf("wrong secret: %v, want unauthenticated", err)
	}
	down.Store(true)
	if _, err := b.Token(ctx, "bot", "other"); !errors.Is(err, handlers.ErrUnavailable) {
		t.Errorf("issuer failing: %v, want unavailable", err)
	}
	if tok, err := b.Token(ctx, "bot", "s3cret"); err != nil || tok != first {
		t.Errorf("cached credentials while the issuer fails: %q %v", tok, err)
	}
}
