package kafka

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// UnknownFields counts and logs the unknown members the tolerant reading
// of incoming payloads ignored (hypowire.WithIgnored): the counter
// registry_kafka_unknown_fields_ignored_total by payload schema, and a
// DEBUG line naming the member, never its value.
type UnknownFields struct {
	ignored *prometheus.CounterVec
	logger  *slog.Logger
}

// NewUnknownFields registers the counter on reg, with a zero series for
// each of schemas (hypowire.TolerantSchemas), so a rate() over a fresh
// process sees zeros rather than nothing.
func NewUnknownFields(reg prometheus.Registerer, logger *slog.Logger, schemas []string) (*UnknownFields, error) {
	u := &UnknownFields{
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "registry", Subsystem: "kafka", Name: "unknown_fields_ignored_total",
			Help: "Members of incoming Kafka payloads ignored as unknown (tolerant reading), by payload schema.",
		}, []string{"schema"}),
		logger: logger,
	}
	if err := reg.Register(u.ignored); err != nil {
		return nil, err
	}
	for _, s := range schemas {
		u.ignored.WithLabelValues(s)
	}
	return u, nil
}

// Ignored records one ignored member: schema is the payload's schema (a
// bounded set), pointer the member's JSON pointer.
func (u *UnknownFields) Ignored(schema, pointer string) {
	u.ignored.WithLabelValues(schema).Inc()
	u.logger.Debug("kafka payload: unknown field ignored", "schema", schema, "field", pointer)
}
