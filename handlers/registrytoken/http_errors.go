package registrytoken

import (
	"net/http"

	"github.com/hypo-registry/registry/http/respond"
	"github.com/hypo-registry/registry/internal/bus"
)

// errorBody is the registry error body: {"errors":[{code, message, detail}]}.
type errorBody struct {
	Errors []errorEntry `json:"errors"`
}

type errorEntry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  any    `json:"detail,omitempty"`
}

// failure is how /token answers a refused command.
type failure struct {
	status int
	reason string
	// message is what the client is told; "" passes the reply's message
	// on (the bus made it public already).
	message string
}

// replyFailures answers the kinds of bus.Sentinels a token command is
// refused with; any other kind is a bug of the service: 500, logged.
var replyFailures = map[string]failure{
	bus.KindInvalid:     {http.StatusBadRequest, ReasonInvalidRequest, ""},
	bus.KindUnavailable: {http.StatusServiceUnavailable, ReasonUnavailable, "the token service is unavailable"},
}

// codes maps a status to the distribution error code clients know. 400
// is UNSUPPORTED, which distribution describes as "a missing
// implementation or invalid set of parameters".
var codes = map[int]string{
	http.StatusBadRequest:         "UNSUPPORTED",
	http.StatusUnauthorized:       "UNAUTHORIZED",
	http.StatusForbidden:          "DENIED",
	http.StatusNotFound:           "UNSUPPORTED",
	http.StatusMethodNotAllowed:   "UNSUPPORTED",
	http.StatusServiceUnavailable: "UNAVAILABLE",
}

// writeError writes the registry error body; a 401 carries a Basic
// challenge so docker and crane send their login.
func writeError(w http.ResponseWriter, status int, reason, msg, realm string) {
	code, ok := codes[status]
	if !ok {
		code = "UNKNOWN"
	}
	entry := errorEntry{Code: code, Message: msg}
	if reason != "" {
		entry.Detail = map[string]string{"reason": reason}
	}
	// Retry-After as on the REST API's 503s.
	f := respond.Format{ContentType: "application/json", Challenge: `Basic realm=` + quote(realm), RetryAfter: "1"}
	f.Error(w, status, errorBody{Errors: []errorEntry{entry}})
}

// quote makes an RFC 9110 quoted-string.
func quote(s string) string {
	out := make([]byte, 0, len(s)+2)
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			out = append(out, '\\')
		}
		if s[i] >= 0x20 && s[i] != 0x7f {
			out = append(out, s[i])
		}
	}
	return string(append(out, '"'))
}
