package rest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"

	"github.com/google/uuid"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/http/respond"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
)

var errRouteNotFound = fmt.Errorf("%w: no such resource", handlers.ErrNotFound)

// authedHandler is a handler that runs for a verified caller.
type authedHandler func(w http.ResponseWriter, r *http.Request, p auth.Principal)

// authed authenticates the caller and authorizes the request before h
// runs: GET is a read, every other method a write (authz.Decide). A
// missing or bad credential is 401, a refusal 403, and h never runs.
func (s *Server) authed(h authedHandler) http.HandlerFunc { return s.authedAs(methodAccess, h) }

// methodAccess is the access of a request by its method.
func methodAccess(r *http.Request) authz.Access {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return authz.Read
	}
	return authz.Write
}

// writeAccess is for routes that read but grant something (a terminal
// token): they need write access.
func writeAccess(*http.Request) authz.Access { return authz.Write }

// authedAs is authed with the access computed by access.
func (s *Server) authedAs(access func(*http.Request) authz.Access, h authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			writeProblem(w, r, err)
			return
		}
		noteTenant(w, p.Tenant)
		p, err = s.authorize(r, p, access(r))
		if err != nil {
			writeProblem(w, r, err)
			return
		}
		h(w, r, p)
	}
}

// authenticate verifies a bearer token, or HTTP basic client credentials
// exchanged for one when that option is on (auth.Authenticator).
func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	return s.authn.Authenticate(r.Context(), r.Header.Values("Authorization"))
}

// newAuthenticator is REST's: Bearer, and Basic exchanged for a token when
// deps.Basic is set.
func newAuthenticator(deps Deps) (*auth.Authenticator, error) {
	opts := auth.Options{}
	if deps.Basic != nil {
		opts.Basic, opts.Exchanger = auth.BasicExchange, deps.Basic
	}
	return auth.NewAuthenticator(deps.Verifier, opts)
}

// authorize applies the authorization options (authz.Authorizer), then
// the operator's policy, which can only deny further (checkPolicy).
func (s *Server) authorize(r *http.Request, p auth.Principal, access authz.Access) (auth.Principal, error) {
	p, err := s.authz.Authorize(r.Context(), p, access)
	if err != nil {
		return p, err
	}
	return p, s.checkPolicy(r, &p, access)
}

var correlationIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// envelope carries the request's correlation id (X-Correlation-ID, else
// X-Request-ID, else new) and, when the client sent an Idempotency-Key, a
// command id scoped to the caller (tenant and subject), so one caller's key
// can never replay another's reply. The bus keeps a digest of the command
// (its type, so method and route, and its content) with the reply: the key
// reused for any other request is 422, not a replay (CheckRequest).
func envelope(w http.ResponseWriter, r *http.Request, p auth.Principal) (bus.Envelope, error) {
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
		sum := sha256.Sum256([]byte(p.Tenant + "\x00" + p.Subject + "\x00" + key))
		env.CommandID = "http:" + hex.EncodeToString(sum[:])
		env.CheckRequest = true
	}
	return env, nil
}

// errorFormat answers err in an entry point's error body: writeProblem on
// REST, writeVHErr under /registry/v1.
type errorFormat func(w http.ResponseWriter, r *http.Request, err error)

// send sends cmd for p on the command bus and returns its reply data; on
// an error it has answered in format (a failure of the service logged
// under op).
func (s *Server) send(w http.ResponseWriter, r *http.Request, p auth.Principal, op string, cmd any, format errorFormat) (json.RawMessage, bool) {
	return s.exchange(s.deps.Bus, w, r, p, op, cmd, format)
}

// ask is send for a query (a read, a list, a token): it runs directly,
// off the bus (Deps.Queries).
func (s *Server) ask(w http.ResponseWriter, r *http.Request, p auth.Principal, op string, q any, format errorFormat) (json.RawMessage, bool) {
	return s.exchange(s.deps.Queries, w, r, p, op, q, format)
}

func (s *Server) exchange(to Sender, w http.ResponseWriter, r *http.Request, p auth.Principal, op string, cmd any, format errorFormat) (json.RawMessage, bool) {
	env, err := envelope(w, r, p)
	if err != nil {
		format(w, r, err)
		return nil, false
	}
	reply, err := to.Send(r.Context(), cmd, env)
	if err == nil {
		err = reply.Error.Err()
	}
	if err != nil {
		if StatusOf(err) >= 500 {
			s.deps.Logger.Error("request failed", "op", op, "correlation_id", env.CorrelationID, "error", err)
		}
		format(w, r, err)
		return nil, false
	}
	return reply.Data, true
}

// dispatch sends cmd and writes its reply: okStatus with the reply data, or
// problem details for a handler error.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, p auth.Principal, op string, cmd any, okStatus int, location string) {
	data, ok := s.send(w, r, p, op, cmd, writeProblem)
	s.answer(w, data, ok, okStatus, location)
}

// query runs q and writes its answer: 200 with the data, or problem
// details.
func (s *Server) query(w http.ResponseWriter, r *http.Request, p auth.Principal, op string, q any) {
	data, ok := s.ask(w, r, p, op, q, writeProblem)
	s.answer(w, data, ok, http.StatusOK, "")
}

func (s *Server) answer(w http.ResponseWriter, data json.RawMessage, ok bool, okStatus int, location string) {
	if !ok {
		return
	}
	if location != "" {
		w.Header().Set("Location", location)
	}
	writeData(w, okStatus, data)
}

// writeData writes a reply, on every route: 204 when there is no data.
// Replies may hold secrets: the server marks every answer no-store
// (respond.NoStore).
func writeData(w http.ResponseWriter, status int, data json.RawMessage) {
	if status == http.StatusNoContent || len(data) == 0 {
		if status == http.StatusOK {
			status = http.StatusNoContent
		}
		respond.NoSniff(w.Header())
		w.WriteHeader(status)
		return
	}
	respond.JSON(w.Header()) // nosniff included
	w.WriteHeader(status)
	_, _ = w.Write(data)
	_, _ = w.Write([]byte("\n"))
}
