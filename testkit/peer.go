package testkit

import (
	"testing"

	"github.com/hypo-registry/registry/internal/app"
)

// StartPeer starts another instance beside r, as operators run several
// behind a load balancer: the same Vault and the same Kafka broker and
// topics (the southbound group shared), a data directory, an instance id
// and a projections group of its own. r must run on Kafka.
func (r *Registry) StartPeer(t testing.TB, configure ...func(*app.Config)) *Registry {
	t.Helper()
	if r.Kafka == nil {
		t.Fatal("testkit: StartPeer needs a registry on Kafka: embedded instances share nothing")
	}
	p := &Registry{Backend: r.Backend, Vault: r.Vault, Kafka: r.Kafka, OIDC: r.OIDC}
	cfg := r.cfg
	cfg.HTTPAddr, cfg.DataDir, cfg.InstanceID = "127.0.0.1:0", t.TempDir(), ""
	cfg.Kafka.ConsumerGroup = "registry-projections-" + RandomTenant(t)
	for _, f := range configure {
		f(&cfg)
	}
	p.launch(t, cfg)
	return p
}
