package events_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"

	"github.com/hypo-registry/registry/events"
)

// sameEvent compares what a consumer reads of an event. Extensions are
// compared as their canonical strings: in binary mode every one is a header
// string, whatever JSON type it had in structured mode.
func sameEvent(t *testing.T, a, b cloudevents.Event) {
	t.Helper()
	if a.ID() != b.ID() || a.Source() != b.Source() || a.Type() != b.Type() || a.Subject() != b.Subject() ||
		a.SpecVersion() != b.SpecVersion() || a.DataContentType() != b.DataContentType() || a.DataSchema() != b.DataSchema() ||
		!a.Time().Equal(b.Time()) || !bytes.Equal(a.Data(), b.Data()) || len(a.Extensions()) != len(b.Extensions()) {
		t.Fatalf("event changed in a binary round trip:\n%s\n%s", a, b)
	}
	for k, v := range a.Extensions() {
		x, _ := types.Format(v)
		y, _ := types.Format(b.Extensions()[k])
		if x != y {
			t.Fatalf("extension %s: %q became %q", k, x, y)
		}
	}
}

// roundTrip checks that an event FromMessage accepted is valid and survives
// ToMessage and FromMessage unchanged.
func roundTrip(t *testing.T, e cloudevents.Event) {
	t.Helper()
	if err := e.Validate(); err != nil {
		t.Fatalf("FromMessage returned an invalid event: %v", err)
	}
	msg, err := events.ToMessage(context.Background(), e)
	if err != nil {
		t.Fatalf("accepted event %s does not encode: %v", e, err)
	}
	back, err := events.FromMessage(context.Background(), msg)
	if err != nil {
		t.Fatalf("accepted event %s, encoded as %v, does not decode: %v", e, msg.Metadata, err)
	}
	sameEvent(t, e, back)
}

// FuzzFromMessageStructured decodes structured-mode records, as SONATA may
// send kubeconfig store events.
func FuzzFromMessageStructured(f *testing.F) {
	for _, s := range []string{
		`{"specversion":"1.0","id":"store-1","source":"/sonata","type":"io.hypo.registry.kubeconfig.store","datacontenttype":"application/json","data":{"serviceId":"svc-1","kubeConfig":"apiVersion: v1\n"}}`,
		`{"specversion":"1.0","id":"e","source":"/s","type":"t","subject":"svc-1","datacontenttype":"application/yaml","data_base64":"YXBpVmVyc2lvbjogdjEK","scope":"NAMESPACE_SA","time":"2026-11-22T10:00:00Z"}`,
		`{"specversion":"1.0","id":"e","source":"/s","type":"t","n":5,"b":true,"u":"http://x/y"}`,
		`{"specversion":"0.3","id":"e","source":"/s","type":"t"}`,
		`{"specversion":"1.0","id":"","source":"/s","type":"t"}`,
		`{"specversion":"1.0","id":"e","source":"/s","type":"t","time":"yesterday"}`,
		`{"specversion":"1.0","id":"e","source":"/s","type":"t","ID":"f"}`,
		`{"specversion":"1.0","id":"e","source":"/s","type":"t","data":"x","data_base64":"eA=="}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		msg := message.NewMessage("m", payload)
		msg.Metadata.Set("content-type", "application/cloudevents+json")
		e, err := events.FromMessage(context.Background(), msg)
		if err != nil {
			return
		}
		roundTrip(t, e)
	})
}

// FuzzFromMessageBinary decodes binary-mode records: ce_ headers and the
// data as the value.
func FuzzFromMessageBinary(f *testing.F) {
	f.Add("1.0", "store-1", "/sonata", "io.hypo.registry.kubeconfig.store", "application/json", "svc-1", "CLUSTER", "2026-11-22T10:00:00Z", []byte(`{"serviceId":"svc-1","kubeConfig":"x"}`))
	f.Add("1.0", "e", "/s", "t", "application/yaml", "svc-1", "NAMESPACE_SA", "", []byte("apiVersion: v1\n"))
	f.Add("1.0", "", "/s", "t", "", "", "", "", []byte(nil))
	f.Add("0.3", "e", "%zz", "t", "text/plain; charset=\xff", "\x00", "\xff", "not a time", []byte{0xff})
	f.Add("2.0", "e", "/s", "t", "", "", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, spec, id, source, typ, ctype, subject, scope, at string, data []byte) {
		msg := message.NewMessage("m", data)
		for k, v := range map[string]string{"ce_specversion": spec, "ce_id": id, "ce_source": source, "ce_type": typ,
			"content-type": ctype, "ce_subject": subject, "ce_scope": scope, "ce_time": at} {
			if v != "" {
				msg.Metadata.Set(k, v)
			}
		}
		e, err := events.FromMessage(context.Background(), msg)
		if err != nil {
			return
		}
		// The SDK trims white space around header values ("id " reads "id").
		trim := strings.TrimSpace
		if e.ID() != trim(id) || e.Type() != trim(typ) || e.Subject() != trim(subject) {
			t.Fatalf("headers id %q type %q subject %q read as %q %q %q", id, typ, subject, e.ID(), e.Type(), e.Subject())
		}
		roundTrip(t, e)
	})
}
