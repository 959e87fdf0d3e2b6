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
	"github.com/hypo-registry/registry/http/respond"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
)

// healthz answers 200 while the process serves and no part of it has
// failed for good (Deps.Live); else 503 naming the failed checks, so that
// the orchestrator restarts it (not the error text, which may hold paths).
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	failed := s.failedChecks(ctx, s.deps.Live, slog.LevelError, "liveness check failed: restart this instance")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(failed) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("failed: " + strings.Join(failed, ", ") + "\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// readyz runs every readiness check with a short deadline; any failure is
// 503 naming the check (not its error text, which may hold addresses).
// ReadyInfo's fields (the outbox backlog) are added to the body, beside
// "ready" and "checks", and decide nothing.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := make(map[string]string, len(s.deps.Ready))
	for _, c := range s.deps.Ready {
		status[c.Name] = "ok"
	}
	failed := s.failedChecks(ctx, s.deps.Ready, slog.LevelWarn, "readiness check failed")
	for _, name := range failed {
		status[name] = "unavailable"
	}
	ok := len(failed) == 0
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
	respond.JSON(w.Header())
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// failedChecks runs checks within ctx and returns the names of those that
// failed, logging each failure with msg at level (the probes answer names,
// never error texts, which may hold addresses or paths).
func (s *Server) failedChecks(ctx context.Context, checks []Check, level slog.Level, msg string) []string {
	var failed []string
	for _, c := range checks {
		if err := c.Run(ctx); err != nil {
			failed = append(failed, c.Name)
			s.deps.Logger.Log(ctx, level, msg, "check", c.Name, "error", err)
		}
	}
	return failed
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
	level, err := s.LogLevels().Get(p)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	b, _ := json.Marshal(logLevelBody{Level: level, Instance: s.deps.Instance, Scope: logLevelScope})
	writeData(w, http.StatusOK, b)
}

func (s *Server) setLogLevel(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var body logLevelBody
	if _, err := s.LogLevels().Get(p); err != nil { // refused before the body is read
		writeProblem(w, r, err)
		return
	}
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	level, err := s.LogLevels().Set(p, body.Level)
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	b, _ := json.Marshal(logLevelBody{Level: level, Instance: s.deps.Instance, Scope: logLevelScope})
	writeData(w, http.StatusOK, b)
}

// LogLevels reads and changes this instance's log level, the platform
// admin's only: REST's /registry-api/admin/logs and the console's page.
func (s *Server) LogLevels() LogLevels {
	return LogLevels{level: s.deps.LogLevel, logger: s.deps.Logger, authz: s.deps.Authz, Instance: s.deps.Instance}
}

// LogLevels is the log level of this instance: every logger shares one
// LevelVar, so a change is effective for the next log call.
type LogLevels struct {
	level  *slog.LevelVar
	logger *slog.Logger
	authz  authz.Config
	// Instance names this instance: the level is its own.
	Instance string
}

// Get returns the level (DEBUG, INFO, WARN, ERROR) for the platform admin.
func (l LogLevels) Get(p auth.Principal) (string, error) {
	if err := l.platformAdmin(p); err != nil {
		return "", err
	}
	return strings.ToUpper(l.level.Level().String()), nil
}

// Set changes the level for the platform admin, with a WARN line naming
// who changed it, and returns the new level.
func (l LogLevels) Set(p auth.Principal, level string) (string, error) {
	if err := l.platformAdmin(p); err != nil {
		return "", err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil || level == "" {
		return "", fmt.Errorf("%w: level must be one of DEBUG, INFO, WARN, ERROR", handlers.ErrInvalid)
	}
	old := l.level.Level()
	l.level.Set(lvl)
	l.logger.Warn("log level changed on this instance", "from", old.String(), "to", lvl.String(), "by", p.Subject, "instance", l.Instance)
	return strings.ToUpper(lvl.String()), nil
}

// platformAdmin: the log level is the whole process's, every tenant's, so
// only the platform admin reads or changes it.
func (l LogLevels) platformAdmin(p auth.Principal) error {
	if l.authz.IsPlatformAdmin(&authz.Caller{Roles: p.Roles}) {
		return nil
	}
	return fmt.Errorf("%w: role %q required", handlers.ErrForbidden, l.authz.PlatformAdminRole)
}
