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

// accessLog writes one line per request: route, status, duration and the
// correlation id. Never headers or bodies: they carry tokens and secrets.
// Below DEBUG a request costs it one level check.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.deps.Logger.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.deps.Logger.Debug("http request", "method", r.Method, "route", routeTemplate(r),
			"status", sw.status, "duration_ms", float64(time.Since(start).Microseconds())/1000,
			"correlation_id", sw.Header().Get("X-Correlation-ID"))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
