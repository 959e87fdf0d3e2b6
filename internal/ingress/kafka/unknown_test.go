package kafka_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	kafkaingress "github.com/hypo-registry/registry/internal/ingress/kafka"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
)

// An unknown field a tolerant decode ignores is counted by schema and
// logged at DEBUG by name; its value reaches neither.
func TestUnknownFieldsCountedAndLoggedByName(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	u, err := kafkaingress.NewUnknownFields(reg, logger, hypowire.TolerantSchemas())
	if err != nil {
		t.Fatal(err)
	}
	v, err := hypowire.NewValidator(hypowire.WithIgnored(u.Ignored))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.DecodeFabricPersist([]byte(`{"controllerId":"c","username":"u","password":"p","token":"sekrit-7e1","note":null}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.DecodeGroupPolicy([]byte(`{"group":"sekrit-7e1"}`)); err != nil {
		t.Fatal(err)
	}

	got := map[string]float64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "registry_kafka_unknown_fields_ignored_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "schema" {
					got[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	want := map[string]float64{
		hypowire.SchemaFabricCredsPersist: 1, hypowire.SchemaGroupPolicyMessage: 1,
		hypowire.SchemaKafkaRequest: 0, hypowire.SchemaFabricCredsDelete: 0,
		hypowire.SchemaKubeconfigStoreData: 0, hypowire.SchemaKubeconfigStoreEvent: 0,
	}
	for schema, n := range want {
		if g, ok := got[schema]; !ok || g != n {
			t.Errorf("schema %s: counted %v (series present %v), want %v", schema, g, ok, n)
		}
	}
	out := logs.String()
	for _, field := range []string{`"field":"/token"`, `"field":"/group"`} {
		if !strings.Contains(out, field) {
			t.Errorf("no log line names %s:\n%s", field, out)
		}
	}
	if strings.Contains(out, "/note") {
		t.Errorf("a null was logged as an unknown field:\n%s", out)
	}
	if strings.Contains(out, "sekrit-7e1") {
		t.Errorf("the logs carry an ignored field's value:\n%s", out)
	}
}
