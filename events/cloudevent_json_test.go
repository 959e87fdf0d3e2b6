package events_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
)

// newWithSetters is how New built events before it set the context
// directly: the SDK's setters, one by one. New must build the same event.
func newWithSetters(o events.Outcome, data []byte, m events.Meta) (cloudevents.Event, error) {
	e := cloudevents.New(cloudevents.CloudEventsVersionV1)
	e.SetID(m.ID)
	e.SetSource(events.Source)
	e.SetType(o.Type)
	e.SetTime(m.Time.UTC())
	if o.Subject != "" {
		e.SetSubject(o.Subject)
	}
	if o.Tenant != "" {
		e.SetExtension(events.ExtTenant, o.Tenant)
	}
	if m.CorrelationID != "" {
		e.SetExtension(events.ExtCorrelationID, m.CorrelationID)
	}
	if m.CausationID != "" {
		e.SetExtension(events.ExtCausationID, m.CausationID)
	}
	if data == nil {
		data = []byte("{}")
	}
	if !json.Valid(data) {
		return e, fmt.Errorf("new event %s: data is not JSON", o.Type)
	}
	if err := e.SetData(cloudevents.ApplicationJSON, json.RawMessage(data)); err != nil {
		return e, fmt.Errorf("new event %s: %w", o.Type, err)
	}
	if err := e.Validate(); err != nil {
		return e, fmt.Errorf("new event %s: %w", o.Type, err)
	}
	return e, nil
}

func checkNew(t *testing.T, o events.Outcome, data []byte, m events.Meta) {
	t.Helper()
	got, gotErr := events.New(o, data, m)
	want, wantErr := newWithSetters(o, data, m)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("New(%+v, %q, %+v): error %v, the setters' %v", o, data, m, gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("New(%+v, %q, %+v):\n%#v\nthe setters:\n%#v", o, data, m, got, want)
	}
	gb, err1 := got.MarshalJSON()
	wb, err2 := want.MarshalJSON()
	if err1 != nil || err2 != nil || !bytes.Equal(gb, wb) {
		t.Fatalf("New(%+v, %q, %+v) encodes as\n%s (%v)\nthe setters' as\n%s (%v)", o, data, m, gb, err1, wb, err2)
	}
}

var newSeeds = []struct {
	typ, subject, tenant, correlation, causation, id, data string
	nanos                                                  int64
}{
	{events.VirtualHostServerHeartbeat, "acme/vhost/shop/s1", "acme", "corr-1", "cmd-1", "ev-1", `{"host":"10.0.0.1","port":8080}`, 1764950400123456789},
	{events.ImagePullSecretCreated, "", "", "", "", "ev-2", "", 0},
	{" padded ", " padded subject ", "t", "", "c", " ev-3 ", `{"password":"hmac-sha256:ab"}`, 1},
	{"t", "s", "t", "", "", "", `{}`, 5},                                 // no id: refused
	{"t", "s", "t", "", "", "e", `{"a": [1, 2], "b": "<x> & y"}`, 5},     // compacted and escaped
	{"t", "s", "t", "", "", "e", "{\"a\":\"\u2028\u2029\"}", 5},          // escaped separators
	{"t", "s", "t", "", "", "e", `{"a":1`, 5},                            // not JSON
	{"", "s", "t", "", "", "e", `{}`, 5},                                 // no type
	{"t", "   ", "", "", "", "e", `[1,2]`, -5},                           // blank subject dropped
	{"t", "s\"q\\\x01", "t\"", "c\n", "\x7f", "e", `"str ing"`, 1 << 62}, // strings the writer escapes
	{"t", `back\slash`, "t", "", "", "e", `{"a":"<b"}`, 7},               // one escape each
	{"t", "s", "t", "", "", "e", `{"a":"x&y"}`, 7},
}

func TestNewEqualsTheSetters(t *testing.T) {
	for _, s := range newSeeds {
		var data []byte
		if s.data != "" {
			data = []byte(s.data)
		}
		checkNew(t, events.Outcome{Type: s.typ, Subject: s.subject, Tenant: s.tenant}, data,
			events.Meta{ID: s.id, Time: time.Unix(0, s.nanos), CorrelationID: s.correlation, CausationID: s.causation})
	}
}

func FuzzNewEqualsTheSetters(f *testing.F) {
	for _, s := range newSeeds {
		f.Add(s.typ, s.subject, s.tenant, s.correlation, s.causation, s.id, s.data, s.nanos)
	}
	f.Fuzz(func(t *testing.T, typ, subject, tenant, correlation, causation, id, data string, nanos int64) {
		var d []byte
		if data != "" {
			d = []byte(data)
		}
		checkNew(t, events.Outcome{Type: typ, Subject: subject, Tenant: tenant}, d,
			events.Meta{ID: id, Time: time.Unix(0, nanos), CorrelationID: correlation, CausationID: causation})
	})
}

// fuzzEvent builds an event with the SDK's setters, in the common form
// or, as form asks, in others: a data schema, base64 or non-JSON data, an
// extension that is not a string, another source.
func fuzzEvent(typ, subject, ext, data string, nanos int64, form uint8) cloudevents.Event {
	e := cloudevents.New(cloudevents.CloudEventsVersionV1)
	e.SetID("ev-" + typ)
	e.SetSource(events.Source)
	if form&1 != 0 {
		e.SetSource("/other/source?x=" + subject)
	}
	e.SetType(typ)
	if form&2 == 0 {
		e.SetTime(time.Unix(0, nanos))
	}
	e.SetSubject(subject)
	e.SetExtension(events.ExtTenant, ext)
	e.SetExtension(events.ExtCausationID, typ+ext)
	if form&4 != 0 {
		e.SetExtension("count", int(nanos%1000))
	}
	if form&8 != 0 {
		e.SetDataSchema("https://example.com/" + ext)
	}
	switch {
	case form&16 != 0:
		e.SetData("text/plain", []byte(data))
	case form&32 != 0:
		e.SetData(cloudevents.ApplicationJSON, []byte(data)) // base64
	case json.Valid([]byte(data)):
		e.SetData(cloudevents.ApplicationJSON, json.RawMessage(data))
	}
	return e
}

func checkAppendJSON(t *testing.T, e cloudevents.Event) {
	t.Helper()
	prefix := []byte("prefix:")
	got, gotErr := events.AppendJSON(bytes.Clone(prefix), e)
	want, wantErr := e.MarshalJSON()
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("AppendJSON(%s): error %v, MarshalJSON's %v", e, gotErr, wantErr)
	}
	if wantErr == nil && !bytes.Equal(got, append(prefix, want...)) {
		t.Fatalf("AppendJSON wrote\n%s\nMarshalJSON\n%s", got, want)
	}
}

func TestAppendJSONEqualsMarshalJSON(t *testing.T) {
	for _, s := range newSeeds {
		for form := range uint8(64) {
			checkAppendJSON(t, fuzzEvent(s.typ, s.subject, s.tenant, s.data, s.nanos, form))
		}
		if e, err := events.New(events.Outcome{Type: s.typ, Subject: s.subject, Tenant: s.tenant}, []byte(s.data),
			events.Meta{ID: s.id, Time: time.Unix(0, s.nanos), CorrelationID: s.correlation, CausationID: s.causation}); err == nil {
			checkAppendJSON(t, e)
		}
	}
	checkAppendJSON(t, cloudevents.Event{}) // no context: MarshalJSON's error
}

func FuzzAppendJSON(f *testing.F) {
	for _, s := range newSeeds {
		f.Add(s.typ, s.subject, s.tenant, s.data, s.nanos, uint8(0))
	}
	f.Fuzz(func(t *testing.T, typ, subject, ext, data string, nanos int64, form uint8) {
		checkAppendJSON(t, fuzzEvent(typ, subject, ext, data, nanos, form))
	})
}

// StringExtension reads a v1.0 context's extensions in place; what it
// returns must be what the SDK's copy of the map gives, for every kind of
// context and value.
func TestStringExtensionReadsWhatTheSDKReads(t *testing.T) {
	built, err := events.New(events.Outcome{Type: "io.hypo.registry.test", Tenant: "tenant-a"}, nil,
		events.Meta{ID: "e-1", CorrelationID: "corr-1", Time: time.Unix(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	v03 := cloudevents.New(cloudevents.CloudEventsVersionV03)
	v03.SetExtension("tenant", "tenant-c")
	number := cloudevents.New(cloudevents.CloudEventsVersionV1)
	number.SetExtension("tenant", 7) // not a string: ""
	for name, tc := range map[string]struct {
		e    cloudevents.Event
		want map[string]string
	}{
		"built by New":      {built, map[string]string{events.ExtTenant: "tenant-a", events.ExtCorrelationID: "corr-1", events.ExtCausationID: ""}},
		"v0.3":              {v03, map[string]string{events.ExtTenant: "tenant-c"}},
		"a number":          {number, map[string]string{events.ExtTenant: ""}},
		"no extensions":     {cloudevents.New(cloudevents.CloudEventsVersionV1), map[string]string{events.ExtTenant: ""}},
		"no context at all": {cloudevents.Event{}, map[string]string{events.ExtTenant: ""}},
	} {
		for ext, want := range tc.want {
			got := events.StringExtension(tc.e, ext)
			sdk, _ := tc.e.Extensions()[ext].(string)
			if got != want || got != sdk {
				t.Errorf("%s: %s = %q, want %q (the SDK's copy: %q)", name, ext, got, want, sdk)
			}
		}
	}
}
