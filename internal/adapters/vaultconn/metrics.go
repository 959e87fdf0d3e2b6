package vaultconn

import (
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/handlers"
)

// ErrorKinds are the values of the kind label of
// registry_vault_request_errors_total: the handlers sentinel a failed
// request maps to, "timeout" before "unavailable" (a timeout is both).
var ErrorKinds = []string{"timeout", "unavailable", "unauthenticated", "forbidden", "not_found", "conflict", "invalid", "other"}

// ErrorKind names err's kind, one of ErrorKinds.
func ErrorKind(err error) string {
	switch {
	case errors.Is(err, handlers.ErrTimeout):
		return "timeout"
	case errors.Is(err, handlers.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, handlers.ErrUnauthenticated):
		return "unauthenticated"
	case errors.Is(err, handlers.ErrForbidden):
		return "forbidden"
	case errors.Is(err, handlers.ErrNotFound):
		return "not_found"
	case errors.Is(err, handlers.ErrConflict):
		return "conflict"
	case errors.Is(err, handlers.ErrInvalid):
		return "invalid"
	}
	return "other"
}

// Metrics times the Vault requests of the adapters and counts their
// failures by kind. A nil *Metrics observes nothing.
type Metrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
}

// NewMetrics registers registry_vault_request_duration_seconds{adapter}
// and registry_vault_request_errors_total{adapter,kind} on reg, every
// series of adapters present from the start.
func NewMetrics(reg prometheus.Registerer, adapters ...string) (*Metrics, error) {
	m := &Metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "registry", Subsystem: "vault", Name: "request_duration_seconds",
			Help: "Time of Vault requests (token exchange and retries included), by adapter (secrets, identity).",
			// Vault answers in milliseconds; its timeout is seconds.
			Buckets: []float64{.0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"adapter"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "registry", Subsystem: "vault", Name: "request_errors_total",
			Help: "Failed Vault requests, by adapter and kind (timeout, unavailable, unauthenticated, forbidden, not_found, conflict, invalid, other).",
		}, []string{"adapter", "kind"}),
	}
	for _, c := range []prometheus.Collector{m.duration, m.errors} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, a := range adapters {
		m.duration.WithLabelValues(a)
		for _, k := range ErrorKinds {
			m.errors.WithLabelValues(a, k)
		}
	}
	return m, nil
}

// Observe records one request of adapter begun at start that ended with err.
func (m *Metrics) Observe(adapter string, start time.Time, err error) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(adapter).Observe(time.Since(start).Seconds())
	if err != nil {
		m.errors.WithLabelValues(adapter, ErrorKind(err)).Inc()
	}
}

// observed tells observe of every round trip.
type observed struct {
	next    http.RoundTripper
	observe func(start time.Time, resp *http.Response, err error)
}

func (o observed) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := o.next.RoundTrip(req)
	o.observe(start, resp, err)
	return resp, err
}
