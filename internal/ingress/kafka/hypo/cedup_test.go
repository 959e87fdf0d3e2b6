package hypo_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
)

// A store CloudEvent sent again by its producer (same source and id, a
// new record at a new offset) is a duplicate (CloudEvents 1.0): it changes
// nothing and gets the same result. The same id from another source is
// another event.
func TestDuplicateStoreCloudEventIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			h := startHypo(t, b)
			const svc = "svc-dup"
			first := h.storeBinary(t, "store-dup", svc, "", kubeconfigYAML)
			second := h.storeBinary(t, "store-dup", svc, "", kubeconfigYAML)
			if first.Offset == second.Offset {
				t.Fatalf("both sends landed at offset %d", first.Offset)
			}
			results := h.pm.Await(t, topics.KubeconfigStoreResult, 2, 20*time.Second, causedBy("store-dup"))
			if !sameRecord(results[0], results[1]) {
				t.Errorf("a duplicate got a different result:\n%s\n%s", show(results[0]), show(results[1]))
			}
			if got := h.kubeconfigVersion(t, svc); got != 1 {
				t.Errorf("kubeconfig at version %d after one event sent twice, want 1", got)
			}

			// Same id, another source: a new event, a new version.
			body := `{"serviceId":"` + svc + `","kubeConfig":` + jsonString(kubeconfigYAML) + `}`
			h.send(t, topics.KubeconfigStore, body, "ce_specversion", "1.0", "ce_id", "store-dup",
				"ce_source", "/sonata/other", "ce_type", "io.hypo.registry.kubeconfig.store", "content-type", "application/json")
			h.pm.Await(t, topics.KubeconfigStoreResult, 3, 20*time.Second, causedBy("store-dup"))
			if got := h.kubeconfigVersion(t, svc); got != 2 {
				t.Errorf("kubeconfig at version %d after an event of another source, want 2", got)
			}
		})
	}
}

func causedBy(eventID string) func(*kgo.Record) bool {
	return func(r *kgo.Record) bool { return testkit.Header(r, "ce_causationid") == eventID }
}

// sameRecord compares value and headers.
func sameRecord(a, b *kgo.Record) bool {
	if !bytes.Equal(a.Value, b.Value) || len(a.Headers) != len(b.Headers) {
		return false
	}
	for _, h := range a.Headers {
		if testkit.Header(b, h.Key) != string(h.Value) {
			return false
		}
	}
	return true
}

func (h *hypo) kubeconfigVersion(t *testing.T, serviceID string) int {
	t.Helper()
	p, err := secretpath.New(secretpath.KubernetesConfig, h.tenant, serviceID)
	if err != nil {
		t.Fatal(err)
	}
	caller := handlers.Caller{Subject: "package-manager@" + h.tenant, Tenant: h.tenant, Token: h.token}
	meta, err := h.reg.SecretStore().Metadata(t.Context(), caller, p)
	if err != nil {
		t.Fatal(err)
	}
	return meta.CurrentVersion
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func show(r *kgo.Record) string {
	var b strings.Builder
	for _, h := range r.Headers {
		fmt.Fprintf(&b, "%s=%s ", h.Key, h.Value)
	}
	return b.String() + string(r.Value)
}
