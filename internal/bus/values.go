package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Commands and replies cross the in-process bus as Go values carried in
// their message's context (the pub/sub preserves it), with an empty
// payload: encoding them cost more than the rest of a dispatch, and a
// command carries the caller's token. They are encoded only where they
// leave the process (the poison queue, redacted) or are kept (the sealed
// stored reply, the request digest): see commandJSON.
type deliveryKey struct{}

// delivery is what a command's message carries in its context: the command
// and where its sender waits for the reply. The reply channel holds one
// reply, so answering never blocks, and the first answer is the one the
// sender gets (a late one after a timeout is dropped with the channel).
type delivery struct {
	cmd     any
	replies chan Reply
}

// withDelivery returns the context a command's message travels with:
// detached from the sender's, as a pub/sub delivery was, so a caller going
// away does not cut a write short.
func withDelivery(d *delivery) context.Context {
	return context.WithValue(context.Background(), deliveryKey{}, d)
}

func deliveryOf(msg *message.Message) *delivery {
	d, _ := msg.Context().Value(deliveryKey{}).(*delivery)
	return d
}

// commandJSON is msg's command encoded, for where it must be bytes.
func commandJSON(msg *message.Message) ([]byte, error) {
	if len(msg.Payload) > 0 {
		return msg.Payload, nil
	}
	d := deliveryOf(msg)
	if d == nil {
		return nil, errors.New("message carries no command")
	}
	return json.Marshal(d.cmd)
}

// valueMarshaler names commands as cqrs.JSONMarshaler does and leaves
// their content in the message's context (set by Send).
type valueMarshaler struct {
	cqrs.JSONMarshaler
	// kinds caches each command type's name and topic: StructName builds
	// the name with Sprintf and Split, and the topic is a concatenation.
	kinds *sync.Map // reflect.Type → commandKind
}

type commandKind struct{ name, topic string }

func (m valueMarshaler) Marshal(v any) (*message.Message, error) {
	msg := message.NewMessage(watermill.NewUUID(), nil)
	msg.Metadata.Set("name", m.Name(v))
	return msg, nil
}

// Name is the command's name, computed once per type.
func (m valueMarshaler) Name(v any) string { return m.kind(v).name }

// topic is where commands like v are published.
func (m valueMarshaler) topic(v any) string { return m.kind(v).topic }

func (m valueMarshaler) kind(v any) commandKind {
	t := reflect.TypeOf(v)
	if k, ok := m.kinds.Load(t); ok {
		return k.(commandKind)
	}
	name := m.JSONMarshaler.Name(v)
	k := commandKind{name: name, topic: commandTopicPrefix + name}
	m.kinds.Store(t, k)
	return k
}

// Unmarshal copies the sent command into v, a *C. The copy is shallow: a
// handler must not change slices or maps of its command in place.
func (m valueMarshaler) Unmarshal(msg *message.Message, v any) error {
	d := deliveryOf(msg)
	if d == nil {
		return m.JSONMarshaler.Unmarshal(msg, v)
	}
	dst := reflect.ValueOf(v)
	src := reflect.ValueOf(d.cmd)
	if src.Type() == dst.Type() {
		src = src.Elem()
	}
	if dst.Kind() != reflect.Pointer || src.Type() != dst.Type().Elem() {
		return fmt.Errorf("bus: command %T cannot be handled as %T", d.cmd, v)
	}
	dst.Elem().Set(src)
	return nil
}
