package registrytoken

import "github.com/prometheus/client_golang/prometheus"

// metrics are the seed's counters: issued tokens by plan, rejections by
// reason. Both label sets are bounded: plans come from the catalogue (an
// unknown plan is a rejection), reasons from Reasons.
type metrics struct {
	issued   *prometheus.CounterVec
	rejected *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, plans []string) (*metrics, error) {
	m := &metrics{
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "registry_token_issued_total",
			Help: "Registry tokens issued, by plan.",
		}, []string{"plan"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "registry_token_rejected_total",
			Help: "Registry token requests refused, by reason.",
		}, []string{"reason"}),
	}
	for _, c := range []prometheus.Collector{m.issued, m.rejected} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// Every series exists from the start, so a rate() over a fresh
	// process sees zeros rather than nothing.
	for _, p := range plans {
		m.issued.WithLabelValues(p)
	}
	for _, r := range Reasons {
		m.rejected.WithLabelValues(r)
	}
	return m, nil
}
