package vault

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
)

// TestVaultErrStatuses: every answer meaning "Vault cannot serve now" (5xx,
// sealed 503, standby 429, consistency 412) is ErrUnavailable, so REST
// answers 503; the JWT exchange keeps it so rather than blaming the caller.
func TestVaultErrStatuses(t *testing.T) {
	for status, want := range map[int]error{
		http.StatusInternalServerError: handlers.ErrUnavailable,
		http.StatusBadGateway:          handlers.ErrUnavailable,
		http.StatusServiceUnavailable:  handlers.ErrUnavailable,
		http.StatusGatewayTimeout:      handlers.ErrUnavailable,
		http.StatusTooManyRequests:     handlers.ErrUnavailable,
		http.StatusPreconditionFailed:  handlers.ErrUnavailable,
		http.StatusForbidden:           handlers.ErrForbidden,
		http.StatusNotFound:            handlers.ErrNotFound,
	} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			err := vaultErr(&api.ResponseError{StatusCode: status, Errors: []string{"Vault is sealed"}})
			if !errors.Is(err, want) {
				t.Errorf("vaultErr(%d) = %v, want %v", status, err, want)
			}
			if login := loginErr(err); want == handlers.ErrUnavailable && !errors.Is(login, handlers.ErrUnavailable) {
				t.Errorf("loginErr(%d) = %v, want ErrUnavailable", status, login)
			}
		})
	}
}
