package rest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/google/uuid"

	"github.com/hypo-registry/registry/auth"
	"github.com/hypo-registry/registry/bus"
	"github.com/hypo-registry/registry/handlers"
)

var errRouteNotFound = fmt.Errorf("%w: no such resource", handlers.ErrNotFound)

type principalKey struct{}

// authedHandler is a handler that runs for a verified caller.
type authedHandler func(w http.ResponseWriter, r *http.Request, p auth.Principal)

// authed verifies the bearer token before h runs; a missing or bad token is
// 401 and h never runs.
func (s *Server) authed(h authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, err := auth.BearerToken(r.Header.Get("Authorization"))
		if err != nil {
			writeProblem(w, r, fmt.Errorf("%w: %v", handlers.ErrUnauthenticated, err))
			return
		}
		p, err := s.deps.Verifier.Verify(r.Context(), raw)
		if err != nil {
			if !errors.Is(err, handlers.ErrUnauthenticated) && !errors.Is(err, handlers.ErrUnavailable) {
				err = fmt.Errorf("%w: %v", handlers.ErrUnauthenticated, err)
			}
			writeProblem(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)), p)
	}
}

var correlationIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// envelope carries the request's correlation id (X-Correlation-ID, else
// X-Request-ID, else new) and, when the client sent an Idempotency-Key, a
// command id scoped to the caller and the operation, so one tenant's key can
// never replay another's reply.
func envelope(w http.ResponseWriter, r *http.Request, p auth.Principal, op string) (bus.Envelope, error) {
	env := bus.Envelope{Tenant: p.Tenant}
	for _, h := range []string{"X-Correlation-ID", "X-Request-ID"} {
		if v := r.Header.Get(h); v != "" {
			if !correlationIDPattern.MatchString(v) {
				return env, fmt.Errorf("%w: %s must be 1-128 characters of [A-Za-z0-9._:-]", handlers.ErrInvalid, h)
			}
			env.CorrelationID = v
			break
		}
	}
	if env.CorrelationID == "" {
		env.CorrelationID = uuid.NewString()
	}
	w.Header().Set("X-Correlation-ID", env.CorrelationID)
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if len(key) > 255 {
			return env, fmt.Errorf("%w: Idempotency-Key is longer than 255 bytes", handlers.ErrInvalid)
		}
		sum := sha256.Sum256([]byte(p.Tenant + "\x00" + p.Subject + "\x00" + op + "\x00" + r.URL.Path + "\x00" + key))
		env.CommandID = "http:" + hex.EncodeToString(sum[:])
	}
	return env, nil
}

// dispatch sends cmd and writes its reply: okStatus with the reply data, or
// problem details for a handler error.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, p auth.Principal, op string, cmd any, okStatus int, location string) {
	env, err := envelope(w, r, p, op)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	reply, err := s.deps.Bus.Send(r.Context(), cmd, env)
	if err == nil {
		err = reply.Error.Err()
	}
	if err != nil {
		if StatusOf(err) >= 500 {
			s.deps.Logger.Error("request failed", "op", op, "correlation_id", env.CorrelationID, "error", err)
		}
		writeProblem(w, r, err)
		return
	}
	if location != "" {
		w.Header().Set("Location", location)
	}
	writeData(w, okStatus, reply.Data)
}

// writeData writes a reply. Replies may hold secrets: never cached.
func writeData(w http.ResponseWriter, status int, data json.RawMessage) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if status == http.StatusNoContent || len(data) == 0 {
		if status == http.StatusOK {
			status = http.StatusNoContent
		}
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
	_, _ = w.Write([]byte("\n"))
}
