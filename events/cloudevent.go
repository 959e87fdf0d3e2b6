package events

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
)

// Meta is what the bus adds to an Outcome to make it an event.
type Meta struct {
	ID            string
	Time          time.Time
	CorrelationID string
	CausationID   string
}

// source is Source as an event's context holds it, parsed once: SetSource
// parsed it as a URL for every event.
var source = func() types.URIRef {
	u, err := url.Parse(Source)
	if err != nil {
		panic(fmt.Sprintf("events: Source %q: %v", Source, err))
	}
	return types.URIRef{URL: *u}
}()

// New builds a CloudEvent 1.0 from an outcome. data is the outcome's data as
// JSON, already stripped of secret values by the caller.
//
// The event is the one the SDK's setters build (cloudevents.New, SetID,
// SetSource, SetType, SetTime, SetSubject, SetExtension, SetData with
// application/json; TestNewEqualsTheSetters, FuzzNewEqualsTheSetters), put
// together directly: the setters parsed the source, validated each
// extension and re-encoded the data through json.Marshal, about a fifth of
// a heartbeat's bus work.
func New(o Outcome, data []byte, m Meta) (cloudevents.Event, error) {
	ct := cloudevents.ApplicationJSON
	ec := &cloudevents.EventContextV1{
		ID: strings.TrimSpace(m.ID), Source: source, Type: strings.TrimSpace(o.Type), DataContentType: &ct,
	}
	if s := strings.TrimSpace(o.Subject); s != "" {
		ec.Subject = &s
	}
	if t := m.Time.UTC(); !t.IsZero() {
		ec.Time = &types.Timestamp{Time: t}
	}
	ec.Extensions = extensions(o.Tenant, m.CorrelationID, m.CausationID)
	e := cloudevents.Event{Context: ec}
	if data == nil {
		data = []byte("{}")
	}
	if !json.Valid(data) {
		return e, fmt.Errorf("new event %s: data is not JSON", o.Type)
	}
	e.DataEncoded = compactData(data)
	if err := e.Validate(); err != nil {
		return e, fmt.Errorf("new event %s: %w", o.Type, err)
	}
	return e, nil
}

// extensions is the map SetExtension builds for the non-empty ones of
// tenant, correlation and causation: nil when all are empty.
func extensions(tenant, correlation, causation string) map[string]any {
	n := 0
	for _, s := range [...]string{tenant, correlation, causation} {
		if s != "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	ext := make(map[string]any, n)
	if tenant != "" {
		ext[ExtTenant] = tenant
	}
	if correlation != "" {
		ext[ExtCorrelationID] = correlation
	}
	if causation != "" {
		ext[ExtCausationID] = causation
	}
	return ext
}

// compactData returns valid JSON data as SetData stores it: json.Marshal of
// it as a json.RawMessage, which compacts it and escapes <, >, & and the
// line and paragraph separators. Data with none of those bytes, and no
// whitespace at all, comes out unchanged, and is returned as it is.
func compactData(data []byte) []byte {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2: // 0xE2 leads U+2028 and U+2029
			b, err := json.Marshal(json.RawMessage(data))
			if err != nil { // cannot happen: data is valid
				return data
			}
			return b
		}
	}
	return data
}

// StringExtension returns extension name of e as a string, or "". The
// extensions of a v1.0 context (every event New builds or the log decodes)
// are read in place: Event.Extensions copies the map on every call.
func StringExtension(e cloudevents.Event, name string) string {
	var ext map[string]any
	if ec, ok := e.Context.(*cloudevents.EventContextV1); ok {
		ext = ec.Extensions
	} else {
		ext = e.Extensions()
	}
	s, _ := ext[name].(string)
	return s
}
