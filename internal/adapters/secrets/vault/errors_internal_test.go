package vault

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

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

// TestFailedAnswerKeptShort: an answer that is not Vault's JSON (a proxy's
// page, here with bytes that are not UTF-8) becomes an error of a short,
// valid line, still classified by its status; a check-and-set failure is
// recognised however long the answer.
func TestFailedAnswerKeptShort(t *testing.T) {
	page := "<html><body>\xff\xfe Bad Gateway " + strings.Repeat("padding ", 4000) + "</body></html>"
	err := bodyErr(http.StatusBadGateway, []byte(page))
	msg := err.Error()
	if !errors.Is(err, handlers.ErrUnavailable) || len(msg) > 700 || !utf8.ValidString(msg) || !strings.Contains(msg, "Bad Gateway") {
		t.Fatalf("%d bytes, %v: %q", len(msg), errors.Is(err, handlers.ErrUnavailable), msg)
	}
	long := []string{strings.Repeat("x", 2000) + " " + casMismatch}
	if err := statusErr(http.StatusBadRequest, long); !errors.Is(err, handlers.ErrConflict) {
		t.Fatalf("check-and-set after a long message: %v", err)
	}
}
