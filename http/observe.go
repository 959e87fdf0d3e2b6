package rest

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
)

// instrument counts and times requests by route template (never the raw
// path: names would explode the label space).
func instrument(r *mux.Router, reg prometheus.Registerer) (mux.MiddlewareFunc, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "registry", Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests by route, method and status code.",
	}, []string{"route", "method", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "registry", Subsystem: "http", Name: "request_duration_seconds",
		Help:    "HTTP request latency by route and method.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method"})
	for _, c := range []prometheus.Collector{requests, duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			route := routeTemplate(req)
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(sw, req)
			requests.WithLabelValues(route, req.Method, strconv.Itoa(sw.status)).Inc()
			duration.WithLabelValues(route, req.Method).Observe(time.Since(start).Seconds())
		})
	}, nil
}

func routeTemplate(r *http.Request) string {
	if cur := mux.CurrentRoute(r); cur != nil {
		if t, err := cur.GetPathTemplate(); err == nil {
			return t
		}
	}
	return "unmatched"
}

// accessLog writes one line per request, matched or not: method, route
// template (never the raw path: it holds names), status, duration,
// correlation id and the caller's tenant once authenticated. Never a
// header, body or token. INFO, but probes and scrapes are DEBUG
// (accessLevel). Off (Deps.NoAccessLog), or with INFO not logged, a
// request costs it a check; on, one small record travels with the
// request, which the router fills with the route template (noteRoute) and
// the authentication wrappers with the tenant (noteTenant).
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.deps.NoAccessLog || !s.deps.Logger.Enabled(r.Context(), slog.LevelInfo) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		e := &accessEntry{ResponseWriter: w, status: http.StatusOK, route: "unmatched"}
		next.ServeHTTP(e, r)
		s.deps.Logger.LogAttrs(r.Context(), accessLevel(e.route), "http request",
			slog.String("method", r.Method), slog.String("route", e.route), slog.Int("status", e.status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("correlation_id", e.Header().Get("X-Correlation-ID")), slog.String("tenant", e.tenant))
	})
}

// accessLevel is INFO but for probes and metric scrapes: every few
// seconds from Kubernetes and Prometheus, they would drown the requests
// of callers.
func accessLevel(route string) slog.Level {
	switch route {
	case "/healthz", "/readyz", "/metrics":
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// accessEntry is the access log's record of a request being served, and
// its response writer (for the status).
type accessEntry struct {
	http.ResponseWriter
	status        int
	route, tenant string
}

func (e *accessEntry) WriteHeader(code int) {
	e.status = code
	e.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer
// (flushing a stream).
func (e *accessEntry) Unwrap() http.ResponseWriter { return e.ResponseWriter }

// Flush keeps a stream streaming through the access log.
func (e *accessEntry) Flush() {
	if f, ok := e.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// noteRoute records the matched route's template for the access log: only
// inside the router is the match known.
func noteRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e := accessEntryOf(w); e != nil {
			e.route = routeTemplate(r)
		}
		next.ServeHTTP(w, r)
	})
}

// noteTenant records the authenticated caller's tenant for the access log.
func noteTenant(w http.ResponseWriter, tenant string) {
	if e := accessEntryOf(w); e != nil {
		e.tenant = tenant
	}
}

// accessEntryOf finds the access log's entry among the writers wrapping
// w, nil when the access log is off. The entry travels as the writer it
// is, not in the request's context: deriving a context and a request from
// it cost every request two allocations, a copy of the request one of them.
func accessEntryOf(w http.ResponseWriter) *accessEntry {
	for {
		switch v := w.(type) {
		case *accessEntry:
			return v
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return nil
		}
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController, and the access log's notes, reach
// the writers it wraps.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
