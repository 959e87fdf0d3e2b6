package events_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hypo-registry/registry/events"
)

func TestBinaryModeRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	e, err := events.New(events.Outcome{Type: events.ImagePullSecretCreated, Tenant: "tenant-a", Subject: "tenant-a/image-pull/s1"},
		[]byte(`{"name":"s1","version":1}`), events.Meta{ID: "ev-1", Time: at, CorrelationID: "corr-1", CausationID: "cmd-1"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := events.ToMessage(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ce_specversion": "1.0", "ce_id": "ev-1", "ce_type": events.ImagePullSecretCreated, "ce_source": events.Source,
		"ce_subject": "tenant-a/image-pull/s1", "ce_tenant": "tenant-a", "ce_correlationid": "corr-1",
		"ce_causationid": "cmd-1", "ce_time": "2026-11-22T10:00:00Z", "content-type": "application/json",
	}
	for k, v := range want {
		if got := msg.Metadata.Get(k); got != v {
			t.Errorf("metadata %s = %q, want %q", k, got, v)
		}
	}
	if string(msg.Payload) != `{"name":"s1","version":1}` {
		t.Errorf("payload = %s, want the data only", msg.Payload)
	}
	back, err := events.FromMessage(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID() != "ev-1" || back.Type() != e.Type() || !back.Time().Equal(at) ||
		events.StringExtension(back, events.ExtTenant) != "tenant-a" || events.StringExtension(back, events.ExtCausationID) != "cmd-1" ||
		string(back.Data()) != string(e.Data()) {
		t.Errorf("round trip changed the event:\n%v\n%v", e, back)
	}
}

func TestStructuredModeIsAccepted(t *testing.T) {
	t.Parallel()
	structured := `{"specversion":"1.0","id":"x-1","source":"urn:sonata","type":"org.example.kubeconfig","datacontenttype":"application/json","tenant":"tenant-a","data":{"k":"v"}}`
	msg := message.NewMessage("m1", []byte(structured))
	msg.Metadata.Set("content-type", "application/cloudevents+json")
	e, err := events.FromMessage(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]string
	if err := json.Unmarshal(e.Data(), &data); err != nil || data["k"] != "v" || e.ID() != "x-1" || events.StringExtension(e, "tenant") != "tenant-a" {
		t.Errorf("decoded %v (data %s)", e, e.Data())
	}
}

func TestFromMessageRefusesNonEvents(t *testing.T) {
	t.Parallel()
	for name, msg := range map[string]*message.Message{
		"plain JSON":      message.NewMessage("m", []byte(`{"a":1}`)),
		"missing id":      withMeta(message.NewMessage("m", []byte(`{}`)), "ce_specversion", "1.0", "ce_type", "t", "ce_source", "s"),
		"bad structured":  withMeta(message.NewMessage("m", []byte(`not json`)), "content-type", "application/cloudevents+json"),
		"unknown version": withMeta(message.NewMessage("m", []byte(`{}`)), "ce_specversion", "9.9", "ce_id", "1", "ce_type", "t", "ce_source", "s"),
	} {
		if _, err := events.FromMessage(context.Background(), msg); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestNewRefusesNonJSONData(t *testing.T) {
	t.Parallel()
	if _, err := events.New(events.Outcome{Type: "t"}, []byte("{nope"), events.Meta{ID: "1", Time: time.Now()}); err == nil {
		t.Fatal("non-JSON data accepted")
	}
}

func withMeta(m *message.Message, kv ...string) *message.Message {
	for i := 0; i+1 < len(kv); i += 2 {
		m.Metadata.Set(kv[i], kv[i+1])
	}
	return m
}
