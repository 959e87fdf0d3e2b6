package bus

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/hypo-registry/registry/handlers"
)

// Reply is what the caller of a command gets back: the handler's reply as
// JSON, or an error. It crosses only the in-process bus and the sealed reply
// store; it is the one place secret values leave a handler.
type Reply struct {
	Data  json.RawMessage `json:"data,omitempty"`
	Error *ReplyError     `json:"error,omitempty"`
}

// ReplyError is a handler error in a form that survives marshalling.
type ReplyError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Error kinds, one per handlers sentinel, and the bus's own ErrKeyReused.
const (
	KindInvalid         = "invalid"
	KindKeyReused       = "key_reused"
	KindNotFound        = "not_found"
	KindConflict        = "conflict"
	KindForbidden       = "forbidden"
	KindUnauthenticated = "unauthenticated"
	KindUnavailable     = "unavailable"
	KindInternal        = "internal"
)

// Sentinel is an error a caller can tell apart, and the kind a reply names
// it by.
type Sentinel struct {
	Err  error
	Kind string
}

// sentinels is the one list of the errors a caller is told apart by, most
// specific first: ErrKeyReused before handlers.ErrConflict, which it wraps.
// Each edge answers every kind in its own terms (REST: http/problem.go; the
// registry token service: handlers/registrytoken/http_errors.go), so adding
// a sentinel is one line here, and each edge's test names the kind it does
// not answer yet. Anything else is KindInternal.
var sentinels = []Sentinel{
	{handlers.ErrInvalid, KindInvalid},
	{ErrKeyReused, KindKeyReused},
	{handlers.ErrNotFound, KindNotFound},
	{handlers.ErrConflict, KindConflict},
	{handlers.ErrForbidden, KindForbidden},
	{handlers.ErrUnauthenticated, KindUnauthenticated},
	{handlers.ErrUnavailable, KindUnavailable},
}

// Sentinels returns the list, in the order KindOf matches it.
func Sentinels() []Sentinel { return slices.Clone(sentinels) }

// KindOf names the sentinel err wraps; anything else is internal.
func KindOf(err error) string {
	for _, k := range sentinels {
		if errors.Is(err, k.Err) {
			return k.Kind
		}
	}
	return KindInternal
}

// Err turns the reply error back into an error wrapping its sentinel, so
// transports map it with errors.Is like any other handler error.
func (e *ReplyError) Err() error {
	if e == nil {
		return nil
	}
	for _, k := range sentinels {
		if k.Kind == e.Kind {
			return &replyErr{sentinel: k.Err, msg: e.Message}
		}
	}
	return &replyErr{sentinel: errInternal, msg: e.Message}
}

var errInternal = errors.New("internal error")

type replyErr struct {
	sentinel error
	msg      string
}

func (e *replyErr) Error() string { return e.msg }
func (e *replyErr) Unwrap() error { return e.sentinel }

func errorReply(err error) Reply {
	return Reply{Error: &ReplyError{Kind: KindOf(err), Message: PublicMessage(err)}}
}

// PublicMessage is what a caller is told of err, on every transport: the
// error's own text when it is one the caller can act on (invalid, not
// found, conflict, forbidden, unauthenticated), a fixed sentence when it
// is unavailable or internal, whose text names backends, addresses or
// storage paths. The log keeps the rest.
func PublicMessage(err error) string {
	switch KindOf(err) {
	case KindUnavailable:
		if errors.Is(err, handlers.ErrTimeout) {
			return "a backend did not answer in time; try again"
		}
		return "a backend is unavailable; try again"
	case KindInternal:
		return "internal error"
	}
	return err.Error()
}

func dataReply(v any) (Reply, error) {
	if v == nil {
		return Reply{}, nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		return Reply{Data: raw}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Reply{}, fmt.Errorf("marshal reply: %w", err)
	}
	return Reply{Data: b}, nil
}
