package events

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/binding/format"
	"github.com/cloudevents/sdk-go/v2/binding/spec"
	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
)

// Binary-mode CloudEvents on a watermill message: attributes and extensions
// as "ce_"-prefixed metadata (as the CloudEvents Kafka binding names its
// headers), the data as the payload, its media type as "content-type".
const (
	headerPrefix      = "ce_"
	headerContentType = "content-type"
)

var specs = spec.WithPrefix(headerPrefix)

// ToMessage encodes e in binary mode. The message's UUID is the event id, so
// a redelivered event keeps its identity.
func ToMessage(ctx context.Context, e cloudevents.Event) (*message.Message, error) {
	msg := message.NewMessage(e.ID(), nil)
	w := &messageWriter{msg: msg}
	if _, err := binding.Write(ctx, binding.ToMessage(&e), nil, w); err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.ID(), err)
	}
	return msg, nil
}

// FromMessage decodes a CloudEvent from a watermill message in binary mode
// ("ce_" metadata) or structured mode (content-type
// application/cloudevents+json), and validates it.
func FromMessage(ctx context.Context, msg *message.Message) (cloudevents.Event, error) {
	m := newMessageReader(msg)
	if m.ReadEncoding() == binding.EncodingUnknown {
		return cloudevents.Event{}, fmt.Errorf("decode event: message %s is not a CloudEvent (no ce_specversion metadata, content-type %q)", msg.UUID, msg.Metadata.Get(headerContentType))
	}
	e, err := binding.ToEvent(ctx, m)
	if err != nil {
		return cloudevents.Event{}, fmt.Errorf("decode event: %w", err)
	}
	if err := e.Validate(); err != nil {
		return cloudevents.Event{}, fmt.Errorf("decode event: %w", err)
	}
	return *e, nil
}

type messageWriter struct{ msg *message.Message }

func (w *messageWriter) Start(context.Context) error { return nil }
func (w *messageWriter) End(context.Context) error   { return nil }

func (w *messageWriter) SetAttribute(attr spec.Attribute, value any) error {
	if attr.Kind() == spec.DataContentType {
		if value == nil {
			delete(w.msg.Metadata, headerContentType)
			return nil
		}
		s, err := types.Format(value)
		if err != nil {
			return err
		}
		w.msg.Metadata.Set(headerContentType, s)
		return nil
	}
	// attr belongs to the event's own (unprefixed) spec: name it ourselves.
	return w.set(headerPrefix+attr.Name(), value)
}

func (w *messageWriter) SetExtension(name string, value any) error {
	return w.set(headerPrefix+name, value)
}

func (w *messageWriter) set(key string, value any) error {
	if value == nil {
		delete(w.msg.Metadata, key)
		return nil
	}
	s, err := types.Format(value)
	if err != nil {
		return err
	}
	w.msg.Metadata.Set(key, s)
	return nil
}

func (w *messageWriter) SetData(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	w.msg.Payload = b
	return nil
}

type messageReader struct {
	msg     *message.Message
	version spec.Version
	format  format.Format
}

func newMessageReader(msg *message.Message) *messageReader {
	m := &messageReader{msg: msg}
	if ct := msg.Metadata.Get(headerContentType); ct != "" {
		m.format = format.Lookup(ct)
	}
	if m.format == nil {
		m.version = specs.Version(msg.Metadata.Get(specs.PrefixedSpecVersionName()))
	}
	return m
}

func (m *messageReader) ReadEncoding() binding.Encoding {
	switch {
	case m.format != nil:
		return binding.EncodingStructured
	case m.version != nil:
		return binding.EncodingBinary
	}
	return binding.EncodingUnknown
}

func (m *messageReader) ReadStructured(ctx context.Context, w binding.StructuredWriter) error {
	if m.format == nil {
		return binding.ErrNotStructured
	}
	return w.SetStructuredEvent(ctx, m.format, bytes.NewReader(m.msg.Payload))
}

func (m *messageReader) ReadBinary(_ context.Context, w binding.BinaryWriter) error {
	if m.version == nil {
		return binding.ErrNotBinary
	}
	for key, value := range m.msg.Metadata {
		switch {
		case strings.EqualFold(key, headerContentType):
			if err := w.SetAttribute(m.version.AttributeFromKind(spec.DataContentType), value); err != nil {
				return err
			}
		case !strings.HasPrefix(key, headerPrefix):
		case m.version.Attribute(key) != nil:
			if err := w.SetAttribute(m.version.Attribute(key), value); err != nil {
				return err
			}
		default:
			if err := w.SetExtension(strings.TrimPrefix(key, headerPrefix), value); err != nil {
				return err
			}
		}
	}
	if len(m.msg.Payload) > 0 {
		return w.SetData(bytes.NewReader(m.msg.Payload))
	}
	return nil
}

func (m *messageReader) GetAttribute(k spec.Kind) (spec.Attribute, any) {
	attr := m.version.AttributeFromKind(k)
	if attr == nil {
		return nil, nil
	}
	if k == spec.DataContentType {
		return attr, nilIfEmpty(m.msg.Metadata.Get(headerContentType))
	}
	return attr, nilIfEmpty(m.msg.Metadata.Get(attr.PrefixedName()))
}

func (m *messageReader) GetExtension(name string) any {
	return nilIfEmpty(m.msg.Metadata.Get(headerPrefix + name))
}

func (m *messageReader) Finish(error) error { return nil }

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
