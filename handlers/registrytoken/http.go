package registrytoken

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/http/respond"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// Verifier authenticates a JWT from the OIDC issuer; *auth.Verifier is one.
type Verifier interface {
	Verify(ctx context.Context, raw string) (auth.Principal, error)
}

// Sender sends a command and waits for its reply; *bus.Bus is one, and
// so is *query.Dispatcher, which registryd gives the handler.
type Sender interface {
	Send(ctx context.Context, cmd any, env bus.Envelope) (bus.Reply, error)
}

// asker is a Sender that also answers with the handler's reply as the Go
// value it is (*query.Dispatcher's Ask): the adapter then reads the reply
// without encoding and decoding it inside the process.
type asker interface {
	Ask(ctx context.Context, q any, env bus.Envelope) (any, *bus.ReplyError, error)
}

var (
	_ Verifier = (*auth.Verifier)(nil)
	_ Sender   = (*bus.Bus)(nil)
)

// HandlerDeps are the HTTP adapter's collaborators; all but Refresh are
// required.
type HandlerDeps struct {
	// Config is the token service's configuration, as given to NewTokens.
	Config   Config
	Verifier Verifier
	Bus      Sender
	// Refresh authenticates refresh_token grants; nil when refresh tokens
	// are disabled.
	Refresh RefreshStore
	// Metrics registers registry_token_issued_total and
	// registry_token_rejected_total.
	Metrics prometheus.Registerer
	Logger  *slog.Logger
	// ClientCredentials, when set, also accepts HTTP Basic client
	// credentials (a password that is not a JWT), exchanged for a token at
	// the issuer (REGISTRY_AUTH_BASIC, seed 002); nil accepts only a JWT as
	// the Basic password.
	ClientCredentials ClientCredentials
}

// ClientCredentials exchanges HTTP basic credentials for a JWT at the
// issuer (auth.BasicExchanger): a client's id and secret, or a user's own
// name and password (REGISTRY_AUTH_BASIC_GRANT).
type ClientCredentials interface {
	Token(ctx context.Context, id, secret string) (string, error)
}

// Handler serves the token protocol: GET and POST /token, and GET /healthz
// unauthenticated. It is the only part of the token service that knows
// HTTP.
type Handler struct {
	cfg     Config
	deps    HandlerDeps
	authn   *auth.Authenticator
	metrics *metrics
	serve   http.Handler
}

// NewHandler checks deps and registers the metrics.
func NewHandler(deps HandlerDeps) (*Handler, error) {
	if deps.Verifier == nil || deps.Bus == nil || deps.Metrics == nil || deps.Logger == nil {
		return nil, errors.New("registry token handler: Verifier, Bus, Metrics and Logger are required")
	}
	cfg := deps.Config.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Refresh == nil && !cfg.Refresh.Disabled {
		return nil, errors.New("registry token handler: a refresh store is required unless refresh tokens are disabled")
	}
	cat, _ := NewCatalogue(cfg.Plans) // Validate built it already
	m, err := newMetrics(deps.Metrics, cat.Names())
	if err != nil {
		return nil, err
	}
	// Bearer, or Basic with the token as the password (docker login), or
	// basic credentials exchanged at the issuer when that is on.
	opts := auth.Options{Basic: auth.BasicPassword}
	if deps.ClientCredentials != nil {
		opts.Exchanger = deps.ClientCredentials
	}
	authn, err := auth.NewAuthenticator(deps.Verifier, opts)
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, deps: deps, authn: authn, metrics: m}
	// Tokens and refusals alike: never stored by a cache.
	h.serve = respond.NoStore(http.HandlerFunc(h.route))
	return h, nil
}

// ServeHTTP serves /token and /healthz.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.serve.ServeHTTP(w, r) }

// route routes /token and /healthz.
func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/token":
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			writeError(w, http.StatusMethodNotAllowed, "", "method not allowed", "")
			return
		}
		h.token(w, r)
	case "/healthz":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "", "method not allowed", "")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	default:
		writeError(w, http.StatusNotFound, "", "no such endpoint", "")
	}
}

// token answers one token request: parse (400), authenticate (401), then
// the command on the bus decides (403 or a token).
func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	env := envelope(w, r)
	req, rej := h.parseRequest(w, r)
	if rej != nil {
		h.refuse(ctx, w, env, rej)
		return
	}
	id, rej := h.authenticate(ctx, req)
	if rej != nil {
		h.refuse(ctx, w, env, rej)
		return
	}
	env.Tenant = id.caller.Tenant
	cmd := &IssueRegistryToken{
		Service: req.service, Scopes: req.scopes, Plan: id.plan, License: id.license, Grant: id.grant,
		Offline: req.offline, ClientID: req.clientID, RefreshID: id.refreshID, Claims: id.claims,
	}
	cmd.Caller = id.caller
	out, rerr, err := h.issue(ctx, cmd, env)
	if err != nil {
		h.deps.Logger.Error("registry token: command bus", "correlation_id", env.CorrelationID, "error", err)
		h.answerFailure(w, http.StatusServiceUnavailable, ReasonUnavailable, "the token service is unavailable")
		return
	}
	if rerr != nil {
		h.answerReplyError(w, env, rerr)
		return
	}
	if out.Token == nil && out.Denied == nil {
		h.deps.Logger.Error("registry token: unexpected reply", "correlation_id", env.CorrelationID)
		h.answerFailure(w, http.StatusInternalServerError, ReasonInternal, "internal error")
		return
	}
	if out.Denied != nil {
		// The handler's event recorded the denial already.
		h.metrics.rejected.WithLabelValues(out.Denied.Reason).Inc()
		writeError(w, http.StatusForbidden, out.Denied.Reason, out.Denied.Message, h.cfg.Realm)
		return
	}
	h.metrics.issued.WithLabelValues(out.Plan).Inc()
	hdr := w.Header()
	respond.JSON(hdr)
	hdr.Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(out.Token)
}

// issue sends cmd and returns its reply: asked as a Go value when the
// Sender can (asker), else decoded from the bus's reply. An unreadable
// reply is an empty one (neither token nor denial): the caller's to refuse.
func (h *Handler) issue(ctx context.Context, cmd *IssueRegistryToken, env bus.Envelope) (IssueReply, *bus.ReplyError, error) {
	if a, ok := h.deps.Bus.(asker); ok {
		v, rerr, err := a.Ask(ctx, cmd, env)
		out, _ := v.(IssueReply)
		return out, rerr, err
	}
	reply, err := h.deps.Bus.Send(ctx, cmd, env)
	if err != nil || reply.Error != nil {
		return IssueReply{}, reply.Error, err
	}
	var out IssueReply
	if err := json.Unmarshal(reply.Data, &out); err != nil {
		h.deps.Logger.Error("registry token: unreadable reply", "correlation_id", env.CorrelationID, "error", err)
		return IssueReply{}, nil, nil
	}
	return out, nil, nil
}

// answerReplyError answers a command the bus refused (replyFailures); the
// bus recorded a command.rejected or command.failed event for it.
func (h *Handler) answerReplyError(w http.ResponseWriter, env bus.Envelope, e *bus.ReplyError) {
	f, ok := replyFailures[e.Kind]
	if !ok {
		h.deps.Logger.Error("registry token: issue failed", "correlation_id", env.CorrelationID, "kind", e.Kind, "error", e.Message)
		f = failure{http.StatusInternalServerError, ReasonInternal, "internal error"}
	}
	msg := f.message
	if msg == "" {
		msg = e.Message
	}
	h.answerFailure(w, f.status, f.reason, msg)
}

func (h *Handler) answerFailure(w http.ResponseWriter, status int, reason, msg string) {
	h.metrics.rejected.WithLabelValues(reason).Inc()
	writeError(w, status, reason, msg, h.cfg.Realm)
}

// refuse records a rejection as a command, then answers it. The answer does
// not wait on the audit: a request refused stays refused even if its
// record could not be written, and that failure is logged.
func (h *Handler) refuse(ctx context.Context, w http.ResponseWriter, env bus.Envelope, rej *rejection) {
	h.metrics.rejected.WithLabelValues(rej.cmd.Reason).Inc()
	env.Tenant = rej.cmd.Caller.Tenant
	reply, err := h.deps.Bus.Send(ctx, &rej.cmd, env)
	if err == nil {
		err = reply.Error.Err()
	}
	if err != nil {
		h.deps.Logger.Warn("registry token: recording a rejection failed", "correlation_id", env.CorrelationID, "reason", rej.cmd.Reason, "error", err)
	}
	writeError(w, rej.status, rej.cmd.Reason, rej.cmd.Message, h.cfg.Realm)
}

var correlationIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// envelope takes the request's correlation id (X-Correlation-ID, else
// X-Request-ID) when well formed, else makes one, and echoes it.
func envelope(w http.ResponseWriter, r *http.Request) bus.Envelope {
	var env bus.Envelope
	for _, hdr := range []string{"X-Correlation-ID", "X-Request-ID"} {
		if v := r.Header.Get(hdr); correlationIDPattern.MatchString(v) {
			env.CorrelationID = v
			break
		}
	}
	if env.CorrelationID == "" {
		env.CorrelationID = uuid.NewString()
	}
	w.Header().Set("X-Correlation-ID", env.CorrelationID)
	return env
}
