package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/components/requestreply"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Commands and replies cross the in-process bus as Go values carried in
// their message's context (the pub/sub preserves it), with an empty
// payload: encoding them cost more than the rest of a dispatch, and a
// command carries the caller's token. They are encoded only where they
// leave the process (the poison queue, redacted) or are kept (the sealed
// stored reply, the request digest): see commandJSON.
type (
	commandKey struct{}
	replyKey   struct{}
)

// withCommand returns the context a command's message travels with:
// detached from the sender's, as a pub/sub delivery was, so a caller going
// away does not cut a write short.
func withCommand(cmd any) context.Context {
	return context.WithValue(context.Background(), commandKey{}, cmd)
}

// commandJSON is msg's command encoded, for where it must be bytes.
func commandJSON(msg *message.Message) ([]byte, error) {
	if len(msg.Payload) > 0 {
		return msg.Payload, nil
	}
	cmd := msg.Context().Value(commandKey{})
	if cmd == nil {
		return nil, errors.New("message carries no command")
	}
	return json.Marshal(cmd)
}

// valueMarshaler names commands as cqrs.JSONMarshaler does and leaves
// their content in the message's context (set by envelopeSender).
type valueMarshaler struct{ cqrs.JSONMarshaler }

func (m valueMarshaler) Marshal(v any) (*message.Message, error) {
	msg := message.NewMessage(watermill.NewUUID(), nil)
	msg.Metadata.Set("name", m.Name(v))
	return msg, nil
}

// Unmarshal copies the sent command into v, a *C. The copy is shallow: a
// handler must not change slices or maps of its command in place.
func (m valueMarshaler) Unmarshal(msg *message.Message, v any) error {
	cmd := msg.Context().Value(commandKey{})
	if cmd == nil {
		return m.JSONMarshaler.Unmarshal(msg, v)
	}
	dst := reflect.ValueOf(v)
	src := reflect.ValueOf(cmd)
	if src.Type() == dst.Type() {
		src = src.Elem()
	}
	if dst.Kind() != reflect.Pointer || src.Type() != dst.Type().Elem() {
		return fmt.Errorf("bus: command %T cannot be handled as %T", cmd, v)
	}
	dst.Elem().Set(src)
	return nil
}

// withReply returns ctx carrying r to replyMarshaler: watermill's backend
// gives the reply message the context it is answered on.
func withReply(ctx context.Context, r Reply) context.Context {
	return context.WithValue(ctx, replyKey{}, r)
}

// replyMarshaler passes the Reply through its message's context.
type replyMarshaler struct{}

func (replyMarshaler) MarshalReply(p requestreply.BackendOnCommandProcessedParams[Reply]) (*message.Message, error) {
	msg := message.NewMessage(watermill.NewUUID(), nil)
	if p.HandleErr != nil {
		msg.Metadata.Set(requestreply.ErrorMetadataKey, p.HandleErr.Error())
		msg.Metadata.Set(requestreply.HasErrorMetadataKey, "1")
	} else {
		msg.Metadata.Set(requestreply.HasErrorMetadataKey, "0")
	}
	return msg, nil
}

func (replyMarshaler) UnmarshalReply(msg *message.Message) (requestreply.Reply[Reply], error) {
	var out requestreply.Reply[Reply]
	if msg.Metadata.Get(requestreply.HasErrorMetadataKey) == "1" {
		out.Error = errors.New(msg.Metadata.Get(requestreply.ErrorMetadataKey))
	}
	r, ok := msg.Context().Value(replyKey{}).(Reply)
	if !ok {
		return out, errors.New("bus: reply message carries no reply")
	}
	out.HandlerResult = r
	return out, nil
}

// gatedLogger skips watermill's log lines, and building their fields,
// at levels the slog handler drops: watermill builds the fields of every
// debug and trace line before slog looks at its level.
type gatedLogger struct {
	watermill.LoggerAdapter
	log *slog.Logger
}

func newLogger(log *slog.Logger) gatedLogger {
	return gatedLogger{LoggerAdapter: watermill.NewSlogLogger(log), log: log}
}

func (g gatedLogger) enabled(l slog.Level) bool { return g.log.Enabled(context.Background(), l) }

func (g gatedLogger) Info(msg string, f watermill.LogFields) {
	if g.enabled(slog.LevelInfo) {
		g.LoggerAdapter.Info(msg, f)
	}
}

func (g gatedLogger) Debug(msg string, f watermill.LogFields) {
	if g.enabled(slog.LevelDebug) {
		g.LoggerAdapter.Debug(msg, f)
	}
}

func (g gatedLogger) Trace(msg string, f watermill.LogFields) {
	if g.enabled(watermill.LevelTrace) {
		g.LoggerAdapter.Trace(msg, f)
	}
}

func (g gatedLogger) With(f watermill.LogFields) watermill.LoggerAdapter {
	return gatedLogger{LoggerAdapter: g.LoggerAdapter.With(f), log: g.log.With(slogArgs(f)...)}
}

func slogArgs(f watermill.LogFields) []any {
	args := make([]any, 0, 2*len(f))
	for k, v := range f {
		args = append(args, k, v)
	}
	return args
}
