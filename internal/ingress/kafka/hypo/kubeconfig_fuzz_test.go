package hypo

import (
	"context"
	"encoding/json"
	"mime"
	"regexp"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
)

// In-package: the store event's decoding (mode, CloudEvent, data) is
// kubeconfigStore's first half; the second half needs a caller and a bus.

var fuzzServiceID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$`)

// FuzzKubeconfigStoreData: whatever the record, data accepted for a store
// names a valid service id and scope and a non-empty kubeconfig, taken from
// where the mode says: the JSON data, or the YAML data with the event's
// subject and "scope" extension.
func FuzzKubeconfigStoreData(f *testing.F) {
	v, err := hypowire.NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	s := &Southbound{wire: v}
	jsonData := `{"serviceId":"svc-1","kubeConfig":"apiVersion: v1\n","scope":"NAMESPACE_SA"}`
	f.Add(false, "application/json", "", "", []byte(jsonData))
	f.Add(false, "", "", "", []byte(jsonData))
	f.Add(false, "application/yaml", "svc-1", "CLUSTER", []byte("apiVersion: v1\n"))
	f.Add(false, "text/yaml; charset=utf-8", "../svc", "", []byte("apiVersion: v1\n"))
	f.Add(false, "application/yaml", "svc-1", "bogus", []byte("x"))
	f.Add(false, "application/yaml", "svc-1", "", []byte(nil))
	f.Add(false, "text/plain", "svc-1", "", []byte("x"))
	f.Add(true, "", "", "", []byte(`{"specversion":"1.0","id":"e","source":"/sonata","type":"io.hypo.registry.kubeconfig.store","datacontenttype":"application/json","data":`+jsonData+`}`))
	f.Add(true, "", "", "", []byte(`{"specversion":"1.0","id":"e","source":"/sonata","type":"t","subject":"svc-1","datacontenttype":"application/yaml","data":"apiVersion: v1\n","scope":"NAMESPACE_SA"}`))
	f.Add(true, "", "", "", []byte(`{"specversion":"1.0","id":"e","source":"/sonata","type":"t","data":{"serviceId":"svc-1","kubeConfig":"x","password":"sekrit"}}`))
	f.Fuzz(func(t *testing.T, structured bool, ctype, subject, scope string, payload []byte) {
		msg := message.NewMessage("m", payload)
		if !structured {
			for k, v := range map[string]string{"ce_specversion": "1.0", "ce_id": "e", "ce_source": "/sonata",
				"ce_type": hypowire.EventKubeconfigStore, "content-type": ctype, "ce_subject": subject, "ce_scope": scope} {
				if v != "" {
					msg.Metadata.Set(k, v)
				}
			}
		}
		mode := isStructured(msg)
		if structured != mode {
			return // a binary record whose content-type claims a structured event
		}
		if mode {
			msg.Metadata.Set(metaContentType, contentTypeCE)
		}
		e, err := events.FromMessage(context.Background(), msg)
		if err != nil {
			return
		}
		d, err := s.storeData(e, mode, payload)
		if err != nil {
			return
		}
		if !fuzzServiceID.MatchString(d.ServiceID) || d.KubeConfig == "" ||
			(d.EffectiveScope() != hypowire.ScopeCluster && d.EffectiveScope() != hypowire.ScopeNamespaceSA) {
			t.Fatalf("accepted %+v from %s", d, e)
		}
		var want hypowire.KubeconfigStoreData
		switch mt, _, _ := mime.ParseMediaType(e.DataContentType()); mt {
		case "", "application/json":
			if err := json.Unmarshal(e.Data(), &want); err != nil {
				t.Fatalf("accepted JSON data %q that does not decode: %v", e.Data(), err)
			}
		default:
			ext, _ := e.Extensions()[ExtensionScope].(string)
			want = hypowire.KubeconfigStoreData{ServiceID: e.Subject(), KubeConfig: string(e.Data()), Scope: ext}
		}
		if want != d {
			t.Fatalf("event %s: data %+v, want %+v", e, d, want)
		}
	})
}
