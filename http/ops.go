package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz runs every readiness check with a short deadline; any failure is
// 503 naming the check (not its error text, which may hold addresses).
// ReadyInfo's fields (the outbox backlog) are added to the body, beside
// "ready" and "checks", and decide nothing.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]string{}
	ok := true
	for _, c := range s.deps.Ready {
		if err := c.Run(ctx); err != nil {
			ok = false
			status[c.Name] = "unavailable"
			s.deps.Logger.Warn("readiness check failed", "check", c.Name, "error", err)
			continue
		}
		status[c.Name] = "ok"
	}
	code := http.StatusOK
	if !ok {
		code = http.StatusServiceUnavailable
	}
	body := map[string]any{}
	if s.deps.ReadyInfo != nil {
		for k, v := range s.deps.ReadyInfo(ctx) {
			body[k] = v
		}
	}
	body["ready"], body["checks"] = ok, status
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// logLevelBody is the log level, and in answers the instance it is the
// level of: each registryd keeps its own (a change reaches the instance
// that took the request, not the others behind the same load balancer).
// A client may send an answer back as it came.
type logLevelBody struct {
	Level    string `json:"level"`
	Instance string `json:"instance,omitempty"`
	Scope    string `json:"scope,omitempty"`
}

// logLevelScope says, in every log-level answer, that the level is this
// instance's only.
const logLevelScope = "instance"

func (s *Server) getLogLevel(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.isPlatformAdmin(w, r, p) {
		return
	}
	b, _ := json.Marshal(logLevelBody{Level: strings.ToUpper(s.deps.LogLevel.Level().String()), Instance: s.deps.Instance, Scope: logLevelScope})
	writeData(w, http.StatusOK, b)
}

// setLogLevel changes the level of every logger at once (they share one
// LevelVar), effective for the next log call.
func (s *Server) setLogLevel(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !s.isPlatformAdmin(w, r, p) {
		return
	}
	var body logLevelBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(body.Level)); err != nil || body.Level == "" {
		writeProblem(w, r, fmt.Errorf("%w: level must be one of DEBUG, INFO, WARN, ERROR", handlers.ErrInvalid))
		return
	}
	old := s.deps.LogLevel.Level()
	s.deps.LogLevel.Set(lvl)
	s.deps.Logger.Warn("log level changed on this instance", "from", old.String(), "to", lvl.String(), "by", p.Subject, "instance", s.deps.Instance)
	b, _ := json.Marshal(logLevelBody{Level: strings.ToUpper(lvl.String()), Instance: s.deps.Instance, Scope: logLevelScope})
	writeData(w, http.StatusOK, b)
}

// isPlatformAdmin: the log level is the whole process's, every tenant's,
// so only the platform admin reads or changes it.
func (s *Server) isPlatformAdmin(w http.ResponseWriter, r *http.Request, p auth.Principal) bool {
	if s.deps.Authz.IsPlatformAdmin(&authz.Caller{Roles: p.Roles}) {
		return true
	}
	writeProblem(w, r, fmt.Errorf("%w: role %q required", handlers.ErrForbidden, s.deps.Authz.PlatformAdminRole))
	return false
}
