package events

import (
	"encoding/json"
	"fmt"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
)

// Meta is what the bus adds to an Outcome to make it an event.
type Meta struct {
	ID            string
	Time          time.Time
	CorrelationID string
	CausationID   string
}

// New builds a CloudEvent 1.0 from an outcome. data is the outcome's data as
// JSON, already stripped of secret values by the caller.
func New(o Outcome, data []byte, m Meta) (cloudevents.Event, error) {
	e := cloudevents.New(cloudevents.CloudEventsVersionV1)
	e.SetID(m.ID)
	e.SetSource(Source)
	e.SetType(o.Type)
	e.SetTime(m.Time.UTC())
	if o.Subject != "" {
		e.SetSubject(o.Subject)
	}
	if o.Tenant != "" {
		e.SetExtension(ExtTenant, o.Tenant)
	}
	if m.CorrelationID != "" {
		e.SetExtension(ExtCorrelationID, m.CorrelationID)
	}
	if m.CausationID != "" {
		e.SetExtension(ExtCausationID, m.CausationID)
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

// StringExtension returns extension name of e as a string, or "".
func StringExtension(e cloudevents.Event, name string) string {
	v, ok := e.Extensions()[name]
	if !ok {
		return ""
	}
	s, _ := v.(string)
	return s
}
